using System.Management.Automation;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Errors;
using KohakuRiver.Core.Parsing;
using KohakuRiver.Core.Vps;
using KohakuRiver.PowerShell.Completion;
using KohakuRiver.PowerShell.Hosting;

namespace KohakuRiver.PowerShell.Commands;

/// <summary>
/// Creates a VPS: a long-lived container in an environment, reached over SSH through the host's proxy. Its
/// authorized key is -PublicKey, -PublicKeyPath, a pair -GenerateKey makes here (the private key is saved to
/// ~/.ssh/kohakuriver/vps-ID, mode 0600, and only its path is written), or, with no key option,
/// ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub. -NoSsh makes one without SSH. An environment object piped in binds
/// -Environment. Writes the VPS (as the host reported it after up to -WaitSec seconds).
/// </summary>
[Cmdlet(VerbsCommon.New, "RiverVps", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = DefaultKeySet)]
[OutputType(typeof(RiverVps))]
public sealed class NewRiverVpsCommand : RiverClientCmdlet
{
    private const string DefaultKeySet = "DefaultKey";
    private const string PublicKeySet = "PublicKey";
    private const string PublicKeyPathSet = "PublicKeyPath";
    private const string GenerateKeySet = "GenerateKey";
    private const string NoSshSet = "NoSsh";

    /// <summary>The environment (it must provide sshd unless -NoSsh); none takes the host's default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public string? Environment { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Cores { get; set; }

    /// <summary>Memory limit: <c>8GB</c> or <c>'8G'</c> (powers of 1024).</summary>
    [Parameter]
    [MemorySizeTransformation]
    public long Memory { get; set; }

    /// <summary>The most processes the VPS may hold at once (the host's default when not given; at least 16).</summary>
    [Parameter]
    [ValidateRange(16, int.MaxValue)]
    public int PidsLimit { get; set; }

    /// <summary>Where to run: node, node:numa, node::gpu,gpu.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TargetCompleter))]
    public string? Target { get; set; }

    /// <summary>How many GPUs the VPS needs; the host chooses which (not together with GPU ids in -Target).</summary>
    [Parameter]
    [ValidateRange(1, Core.Wire.RequestLimits.MaxGpuIds)]
    public int Gpus { get; set; }

    [Parameter]
    public string? Name { get; set; }

    /// <summary>The public key line to authorize (ssh-ed25519 AAAA… comment).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PublicKeySet)]
    [ValidateNotNullOrEmpty]
    public string PublicKey { get; set; } = "";

    /// <summary>A .pub file whose key to authorize.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PublicKeyPathSet)]
    [ValidateNotNullOrEmpty]
    public string PublicKeyPath { get; set; } = "";

    /// <summary>Make a new key pair here; the private key goes to a file (see -IdentityFile), never to the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = GenerateKeySet)]
    public SwitchParameter GenerateKey { get; set; }

    /// <summary>With -GenerateKey: where to save the private key (default ~/.ssh/kohakuriver/vps-ID); never overwritten.</summary>
    [Parameter(ParameterSetName = GenerateKeySet)]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    /// <summary>A VPS without SSH.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NoSshSet)]
    public SwitchParameter NoSsh { get; set; }

    /// <summary>Seconds the host waits for the VPS to run before answering (0-300; the host's default is 60).</summary>
    [Parameter]
    [ValidateRange(0, VpsCreation.MaxWaitSeconds)]
    public int WaitSec { get; set; }

    /// <summary>-Gpus with GPU ids in -Target is wrong for every VPS this call would make: it stops the command before
    /// anything is sent.</summary>
    protected override void BeginProcessing()
    {
        try
        {
            GpuCount.Check(Bound(nameof(Gpus)) ? Gpus : null, [Target]);
        }
        catch (ArgumentException e)
        {
            ThrowRiverError(e, Target, RiverObjectKind.Vps);
        }
    }

    protected override void ProcessRecord()
    {
        VpsCreationPlan plan;
        try
        {
            var options = new VpsOptions
            {
                Environment = string.IsNullOrWhiteSpace(Environment) ? null : Environment,
                Cores = Bound(nameof(Cores)) ? Cores : null,
                MemoryBytes = Bound(nameof(Memory)) ? Memory : null,
                PidsLimit = Bound(nameof(PidsLimit)) ? PidsLimit : null,
                Target = Target,
                Gpus = Bound(nameof(Gpus)) ? Gpus : null,
                Name = Name,
                WaitSeconds = Bound(nameof(WaitSec)) ? WaitSec : null,
            };
            var (choice, argument) = ParameterSetName switch
            {
                PublicKeySet => (VpsKeyChoice.PublicKey, PublicKey),
                PublicKeyPathSet => (VpsKeyChoice.PublicKeyFile, ResolveUserPath(PublicKeyPath)),
                GenerateKeySet => (VpsKeyChoice.Generate, IdentityFile is null ? null : ResolveUserPath(IdentityFile)),
                NoSshSet => (VpsKeyChoice.NoSsh, (string?)null),
                _ => (VpsKeyChoice.Default, (string?)null),
            };
            plan = VpsCreationPlan.Prepare(options, choice, argument, VpsKeyFiles.SshDirectory(ProcessVariable),
                VpsKeyFiles.KeyDirectory(ProcessVariable));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException or UnauthorizedAccessException or SshPublicKeyNotFoundException)
        {
            WriteRiverError(e, Environment, RiverObjectKind.Vps);
            return;
        }
        if (!ShouldProcess(Name is null ? "a new VPS" : $"VPS {Name}", plan.Description)) return;

        var client = Client;
        VpsCreationOutcome outcome;
        try
        {
            outcome = Await(ct => plan.ExecuteAsync(client, null, ct));
        }
        catch (Exception e) when (e is RiverApiException or VpsCreationFailedException or IOException or UnauthorizedAccessException)
        {
            WriteRiverError(e, Environment, RiverObjectKind.Vps);
            return;
        }
        WriteVerbose($"{outcome.Message} ({plan.Key!.Description})");
        WriteObject(outcome.Vps);
        if (outcome.KeyNotRenamed is { } keyProblem) WriteRiverError(keyProblem, outcome.Vps.IdentityFile, RiverObjectKind.Vps);
    }

    private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);
}
