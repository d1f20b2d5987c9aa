using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

/// <summary>
/// Shared access to the real Docker engine for tests (use as <c>IClassFixture&lt;DockerFixture&gt;</c>).
/// Tests call <see cref="RequireDocker"/> first: without an engine they are skipped with the reason
/// shown, unless <c>KOHAKURIVER_REQUIRE_DOCKER=1</c>, where a missing engine fails the fixture so that
/// CI cannot go green by skipping everything.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    public const string RequireEnvironmentVariable = "KOHAKURIVER_REQUIRE_DOCKER";

    /// <summary>Static busybox, CMD /bin/sh, PATH=/bin; built locally by .ci/setup.</summary>
    public const string BusyboxImage = "kohakuriver/busybox:base";

    /// <summary>Prefix of every container (and image repository) tests create, to spot leftovers.</summary>
    public const string NamePrefix = "kohakuriver-test-";

    /// <summary>Overrides the engine socket (default /var/run/docker.sock), e.g. to check the skip path.</summary>
    public const string SocketEnvironmentVariable = "KOHAKURIVER_TEST_DOCKER_SOCKET";

    public DockerEngine Client { get; } = new(
        Environment.GetEnvironmentVariable(SocketEnvironmentVariable) is { Length: > 0 } socket ? socket : "/var/run/docker.sock");

    public bool Available { get; private set; }

    public string? UnavailableReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        bool pinged;
        try
        {
            pinged = await Client.PingAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            pinged = false;
        }

        if (!pinged)
            UnavailableReason = $"Docker engine not reachable at {Client.SocketPath} (run .ci/setup to start it).";
        else if (await Client.InspectImageAsync(BusyboxImage, cts.Token) is null)
            UnavailableReason = $"Image {BusyboxImage} is missing (run .ci/setup to build it).";
        Available = UnavailableReason is null;

        if (!Available && Environment.GetEnvironmentVariable(RequireEnvironmentVariable) == "1")
            throw new InvalidOperationException($"{RequireEnvironmentVariable}=1 but: {UnavailableReason}");
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Skips the calling test (with the reason) when the engine is unavailable.</summary>
    public void RequireDocker() => Assert.SkipUnless(Available, UnavailableReason ?? "Docker unavailable");

    /// <summary>"kohakuriver-test-&lt;guid&gt;": unique, lower-case, so it is valid as a container name and an image repository.</summary>
    public static string UniqueName() => NamePrefix + Guid.NewGuid().ToString("N");

    /// <summary>A token that ends a test that hangs instead of letting it block the run, tied to the test's own cancellation.</summary>
    public static CancellationTokenSource Timeout(int seconds = 20)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts;
    }

    /// <summary>Creates and starts a busybox container running <paramref name="cmd"/>; the caller removes it.</summary>
    public async Task<string> RunBusyboxAsync(string name, IReadOnlyList<string> cmd, CancellationToken ct,
        Action<ContainerSpec>? configure = null)
    {
        var spec = new ContainerSpec { Image = BusyboxImage, Cmd = [.. cmd] };
        configure?.Invoke(spec);
        string id = await Client.CreateContainerAsync(name, spec, ct);
        await Client.StartContainerAsync(id, ct);
        return id;
    }

    /// <summary>Best-effort cleanup for finally blocks: never masks the test's own failure.</summary>
    public async Task RemoveQuietlyAsync(string? id)
    {
        if (string.IsNullOrEmpty(id)) return;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await Client.RemoveContainerAsync(id, cts.Token);
        }
        catch (Exception)
        {
            // Leftovers carry the kohakuriver-test- prefix and can be found later.
        }
    }

    /// <summary>Best-effort image cleanup for finally blocks.</summary>
    public async Task RemoveImageQuietlyAsync(string? name)
    {
        if (string.IsNullOrEmpty(name)) return;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await Client.RemoveImageAsync(name, force: true, cts.Token);
        }
        catch (Exception)
        {
            // See RemoveQuietlyAsync.
        }
    }
}
