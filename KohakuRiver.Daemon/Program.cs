using KohakuRiver.Daemon;

return await DaemonCommand.RunAsync(args);
