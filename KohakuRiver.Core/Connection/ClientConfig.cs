namespace KohakuRiver.Core.Connection;

/// <summary>The per-user client settings: <c>{"host": "...", "token": "..."}</c>.</summary>
public sealed class ClientConfig
{
    public string? Host { get; set; }
    public string? Token { get; set; }
}
