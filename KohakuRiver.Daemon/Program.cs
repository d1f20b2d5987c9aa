// Placeholder entry point: the Web SDK project is an Exe and does not compile without one. The real
// host is written on main; when merging, keep main's Program.cs and drop this file.
return 0;
