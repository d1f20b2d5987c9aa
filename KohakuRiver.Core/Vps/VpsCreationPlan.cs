using KohakuRiver.Core.Client;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Vps;

/// <summary>
/// One New-RiverVps, checked before anything happens (so -WhatIf reports bad input and makes no key) and then carried
/// out: a generated key pair is written to disk before the host is asked (so it cannot be lost between the answer and
/// the write), renamed to <c>vps-&lt;id&gt;</c> once the id is known, and deleted again if the host refuses or the VPS
/// fails to come up. Only when the outcome is unknown (the call was cut off) does the key stay where it was staged.
/// </summary>
public sealed class VpsCreationPlan
{
    private readonly VpsOptions _options;
    private readonly string _keyDirectory;
    private readonly string? _chosenIdentityFile;
    private bool _executed;

    private VpsCreationPlan(VpsOptions options, VpsKeyChoice choice, VpsKeyPlan? key, VpsCreateRequest request, string keyDirectory,
        string? chosenIdentityFile)
    {
        _options = options;
        Choice = choice;
        Key = key;
        Request = request;
        _keyDirectory = keyDirectory;
        _chosenIdentityFile = chosenIdentityFile;
    }

    public VpsKeyChoice Choice { get; }

    /// <summary>The key decision; for <see cref="VpsKeyChoice.Generate"/> made by <see cref="ExecuteAsync"/>.</summary>
    public VpsKeyPlan? Key { get; private set; }

    public VpsCreateRequest Request { get; }

    /// <summary>For ShouldProcess.</summary>
    public string Description =>
        $"Create a VPS in environment {_options.Environment ?? "(the host's default)"}" +
        (_options.Cores is { } c ? $", {c} core(s)" : "") +
        (_options.Target is { } t ? $" on {t}" : "") +
        ", " + (Choice == VpsKeyChoice.Generate ? "with a new key pair" + (_chosenIdentityFile is null ? "" : $" saved to {_chosenIdentityFile}") : Key!.Description);

    /// <param name="keyArgument">The -PublicKey text, the -PublicKeyPath file, or -GenerateKey's -IdentityFile (absolute paths).</param>
    /// <param name="sshDirectory">~/.ssh, where the default public key is looked for.</param>
    /// <param name="keyDirectory">~/.ssh/kohakuriver, where generated keys go.</param>
    public static VpsCreationPlan Prepare(VpsOptions options, VpsKeyChoice choice, string? keyArgument, string sshDirectory, string keyDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(sshDirectory);
        ArgumentException.ThrowIfNullOrEmpty(keyDirectory);
        VpsKeyPlan? key = choice switch
        {
            VpsKeyChoice.PublicKey => VpsKeyPlan.FromText(keyArgument ?? throw new ArgumentException("-PublicKey needs the key line")),
            VpsKeyChoice.PublicKeyFile => VpsKeyPlan.FromFile(keyArgument ?? throw new ArgumentException("-PublicKeyPath needs a file")),
            VpsKeyChoice.NoSsh => VpsKeyPlan.NoSsh(),
            VpsKeyChoice.Generate => null,
            _ => VpsKeyPlan.FromDefault(sshDirectory),
        };
        string? chosen = null;
        if (choice == VpsKeyChoice.Generate && keyArgument is not null)
        {
            chosen = Path.GetFullPath(keyArgument);
            if (File.Exists(chosen)) throw new IOException($"{chosen} already exists; -GenerateKey never overwrites a key: give another -IdentityFile");
        }
        // A stand-in for the key that will be generated, so that everything else is checked now.
        var request = VpsCreation.BuildRequest(options, key ?? new VpsKeyPlan(VpsKeySource.Generated, VpsKeyPlan.UploadMode, null, null, null));
        return new VpsCreationPlan(options, choice, key, request, keyDirectory, chosen);
    }

    /// <summary>Creates the VPS (once). <paramref name="generate"/> makes the key pair for -GenerateKey (default: RSA 3072).</summary>
    public async Task<VpsCreationOutcome> ExecuteAsync(RiverClient client, Func<SshKeyPair>? generate = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_executed) throw new InvalidOperationException("this plan was already carried out");
        _executed = true;

        GeneratedKeyFile? staged = null;
        if (Choice == VpsKeyChoice.Generate)
        {
            var pair = (generate ?? (() => SshKeyPair.Generate("kohakuriver-vps")))();
            staged = GeneratedKeyFile.Stage(pair, _keyDirectory, _chosenIdentityFile);
            Key = new VpsKeyPlan(VpsKeySource.Generated, VpsKeyPlan.UploadMode, staged.PublicKey, null, staged.Path);
            Request.SshPublicKey = staged.PublicKey;
        }
        var discardKey = true;
        try
        {
            VpsCreateResponse created;
            try
            {
                created = await VpsCreation.CreateAsync(client, Request, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped while the host may already be making the VPS: its key must survive.
                discardKey = false;
                throw;
            }
            catch (RiverApiException e) when (e.StatusCode is null && staged is not null)
            {
                discardKey = false;
                throw new RiverApiException(null, $"{e.Detail}; the new key stays at {staged.Path} in case the VPS was made", e);
            }
            var identity = Key!.IdentityFile;
            IOException? notRenamed = null;
            if (staged is not null)
            {
                discardKey = false;
                try
                {
                    identity = staged.Complete(created.TaskId);
                }
                catch (IOException e)
                {
                    identity = staged.Path;
                    notRenamed = e;
                }
            }
            return new VpsCreationOutcome(RiverVps.FromCreated(created, Request, identity), created.Message, notRenamed);
        }
        finally
        {
            if (discardKey) staged?.Dispose();
        }
    }
}
