using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Connection;
using KohakuRiver.Core.Environments;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Sweeps;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Terminals;
using KohakuRiver.Core.Vps;

namespace KohakuRiver.Core.Errors;

/// <summary>
/// Maps every failure the module can meet to a specific ErrorId and category: <c>RiverTaskNotFound</c> /
/// ObjectNotFound, <c>RiverConnectionFailed</c> / ConnectionError, <c>RiverUnauthorized</c> / AuthenticationError,
/// <c>RiverInvalidArgument</c> / InvalidArgument, and so on. Callers write one error per bad item and go on, unless
/// <see cref="RiverErrorInfo.StopsCommand"/> says no later item can succeed.
/// </summary>
public static class RiverErrorMapper
{
    public const string NotConnected = "RiverNotConnected";
    public const string ConnectionFailed = "RiverConnectionFailed";
    public const string Unauthorized = "RiverUnauthorized";
    public const string InvalidArgument = "RiverInvalidArgument";
    public const string HostUnavailable = "RiverHostUnavailable";
    public const string RequestTooLarge = "RiverRequestTooLarge";
    public const string HostError = "RiverHostError";
    public const string SweepInvalid = "RiverSweepInvalid";
    public const string ConfigInvalid = "RiverClientConfigInvalid";
    public const string Timeout = "RiverTimeout";
    public const string Unexpected = "RiverUnexpectedError";
    public const string TaskStandardError = "RiverTaskStandardError";
    public const string EnvironmentCommandFailed = "RiverEnvironmentCommandFailed";
    public const string TaskCommandFailed = "RiverTaskCommandFailed";
    public const string TerminalUnavailable = "RiverTerminalUnavailable";
    public const string TerminalConnectionLost = "RiverTerminalConnectionLost";
    public const string SshTunnelFailed = "RiverSshTunnelFailed";
    public const string SshClientNotFound = "RiverSshClientNotFound";
    public const string SshPublicKeyNotFound = "RiverSshPublicKeyNotFound";
    public const string VpsCreationFailed = "RiverVpsCreationFailed";
    public const string FileNotFound = "RiverFileNotFound";
    public const string FileAccessDenied = "RiverFileAccessDenied";
    public const string FileAccessFailed = "RiverFileAccessFailed";

    public static string NotFoundId(RiverObjectKind kind) => $"River{kind}NotFound";

    public static string ConflictId(RiverObjectKind kind) => $"River{kind}StateConflict";

    public static RiverErrorInfo Describe(Exception error, RiverObjectKind kind = RiverObjectKind.Task)
    {
        ArgumentNullException.ThrowIfNull(error);
        switch (error)
        {
            case RiverApiException api:
                return DescribeApi(api, kind);
            case RiverNotConnectedException:
                return new(NotConnected, RiverErrorCategory.ConnectionError, error.Message,
                    "Run Connect-RiverCluster -Uri <host> -Token (Read-Host -AsSecureString) (add -Save to remember it), or set $env:KOHAKURIVER_HOST and $env:KOHAKURIVER_TOKEN.",
                    StopsCommand: true);
            case ClientConfigException:
                return new(ConfigInvalid, RiverErrorCategory.InvalidData, error.Message,
                    "Fix or delete the file, or run Connect-RiverCluster -Save to write it again.", StopsCommand: true);
            case KeyNotFoundException:
                return new(NotFoundId(kind), RiverErrorCategory.ObjectNotFound, error.Message, null, StopsCommand: false);
            case EnvironmentCommandFailedException:
                // As PowerShell reports a native command's non-zero exit: the output is written, this only says it failed.
                return new(EnvironmentCommandFailed, RiverErrorCategory.NotSpecified, error.Message,
                    "The result object (ExitCode, Stdout, Stderr) was written before this error; -ErrorAction Ignore keeps only it.", StopsCommand: false);
            case TaskCommandFailedException:
                return new(TaskCommandFailed, RiverErrorCategory.NotSpecified, error.Message,
                    "The result object (ExitCode, Stdout, Stderr) was written before this error; -ErrorAction Ignore keeps only it.", StopsCommand: false);
            case TerminalUnavailableException:
                return new(TerminalUnavailable, RiverErrorCategory.InvalidOperation, error.Message,
                    "Run it from an interactive terminal (pwsh in a terminal window, ssh -t, tmux), or use Invoke-RiverTaskCommand / Invoke-RiverEnvironmentCommand.", StopsCommand: true);
            case TerminalConnectionLostException:
                return new(TerminalConnectionLost, RiverErrorCategory.ConnectionError, error.Message,
                    "$LASTEXITCODE is -1: the remote shell's exit code is unknown. Check that the task is still running (Get-RiverTask).", StopsCommand: false);
            case SshTunnelException tunnel:
                return new(SshTunnelFailed, RiverErrorCategory.ConnectionError,
                    tunnel.RefusedByProxy ? $"the host's SSH proxy refused the tunnel: {error.Message}" : error.Message,
                    tunnel.RefusedByProxy ? null : $"Check that the host's SSH proxy is reachable; its port is -ProxyPort or $env:{SshProxyAddress.PortVariable} (default {SshProxyAddress.DefaultPort}).",
                    StopsCommand: false);
            case SshClientNotFoundException:
                return new(SshClientNotFound, RiverErrorCategory.ObjectNotFound, error.Message,
                    "Install the OpenSSH client (apt install openssh-client; on Windows the OpenSSH.Client capability) and make sure 'ssh' is on PATH.", StopsCommand: true);
            case SshPublicKeyNotFoundException:
                return new(SshPublicKeyNotFound, RiverErrorCategory.ObjectNotFound, error.Message,
                    "Give -PublicKey <key line>, -PublicKeyPath <file.pub> or -GenerateKey (or -NoSsh for a VPS without SSH).", StopsCommand: false);
            case VpsNotReachableException:
                return new(ConflictId(RiverObjectKind.Vps), RiverErrorCategory.InvalidOperation, error.Message, null, StopsCommand: false);
            case VpsCreationFailedException:
                return new(VpsCreationFailed, RiverErrorCategory.InvalidOperation, error.Message,
                    "Get-RiverTask <id> shows its error; the environment must provide sshd unless -NoSsh is given.", StopsCommand: false);
            case FileNotFoundException or DirectoryNotFoundException:
                return new(FileNotFound, RiverErrorCategory.ObjectNotFound, error.Message, null, StopsCommand: false);
            case UnauthorizedAccessException:
                return new(FileAccessDenied, RiverErrorCategory.PermissionDenied, error.Message, null, StopsCommand: false);
            case IOException:
                return new(FileAccessFailed, RiverErrorCategory.ResourceUnavailable, error.Message, null, StopsCommand: false);
            case SweepException:
                return new(SweepInvalid, RiverErrorCategory.InvalidData, error.Message, null, StopsCommand: false);
            case FormatException or ArgumentException:
                return new(InvalidArgument, RiverErrorCategory.InvalidArgument, error.Message, null, StopsCommand: false);
            case TimeoutException:
                return new(Timeout, RiverErrorCategory.OperationTimeout, error.Message, null, StopsCommand: false);
            case OperationCanceledException:
                return new("RiverOperationStopped", RiverErrorCategory.OperationStopped, error.Message, null, StopsCommand: true);
            default:
                return new(Unexpected, RiverErrorCategory.NotSpecified, error.Message, null, StopsCommand: false);
        }
    }

    private static RiverErrorInfo DescribeApi(RiverApiException e, RiverObjectKind kind)
    {
        if (e.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            return new(RequestTooLarge, RiverErrorCategory.LimitsExceeded, e.Message,
                "Submit the sweep in smaller parts.", StopsCommand: false);
        return e.Kind switch
        {
            RiverErrorKind.Connection => new(ConnectionFailed, RiverErrorCategory.ConnectionError, e.Message,
                "Check that the host is running and reachable; Get-RiverCluster shows which host and where that came from.", StopsCommand: true),
            RiverErrorKind.Unauthorized => new(Unauthorized, RiverErrorCategory.AuthenticationError, e.Message,
                "Check the API token: Connect-RiverCluster -Uri <host> -Token (Read-Host -AsSecureString), or $env:KOHAKURIVER_TOKEN.", StopsCommand: true),
            RiverErrorKind.NotFound => new(NotFoundId(kind), RiverErrorCategory.ObjectNotFound, e.Detail, null, StopsCommand: false),
            RiverErrorKind.InvalidArgument => new(InvalidArgument, RiverErrorCategory.InvalidArgument, e.Detail, null, StopsCommand: false),
            RiverErrorKind.Conflict => new(ConflictId(kind), RiverErrorCategory.InvalidOperation, e.Detail, null, StopsCommand: false),
            RiverErrorKind.Unavailable => new(HostUnavailable, RiverErrorCategory.ResourceUnavailable, e.Message,
                "The host or the task's node is busy or unreachable; try again shortly.", StopsCommand: false),
            _ => new(HostError, RiverErrorCategory.NotSpecified, e.Message, null, StopsCommand: false),
        };
    }
}
