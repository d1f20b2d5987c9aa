using System.Net;
using KohakuRiver.Core.Client;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Vps;
using KohakuRiver.Core.Wire;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Tests.Host;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class VpsCreationTests
{
    private const long Id = 7205759403792793700;
    private static readonly Lazy<SshKeyPair> Pair = new(() => SshKeyPair.Generate("kohakuriver-test"));

    private static HttpResponseMessage Created(VpsCreateRequest r) => FakeHost.Json(new VpsCreateResponse
    {
        TaskId = Id,
        Status = RiverTaskStatus.Running,
        SshPort = 32022,
        AssignedNode = new AssignedNode { Hostname = "gpu-a", Url = "http://gpu-a:8001" },
        SshPublicKey = r.SshPublicKey,
        Message = $"VPS {Id} is running on gpu-a",
    }, RiverJsonContext.Default.VpsCreateResponse, HttpStatusCode.Created);

    [Fact]
    public void The_request_carries_the_environment_resources_target_and_key()
    {
        var request = VpsCreation.BuildRequest(
            new VpsOptions { Environment = "py312", Cores = 4, MemoryBytes = 8L << 30, PidsLimit = 128, Target = "gpu-a:1::0,1", Name = " dev ", WaitSeconds = 120 },
            VpsKeyPlan.FromText(VpsKeyTests.Ed25519));

        Assert.Equal("py312", request.ContainerName);
        Assert.Equal(4, request.RequiredCores);
        Assert.Equal(8L << 30, request.RequiredMemoryBytes);
        Assert.Equal(128, request.PidsLimit);
        Assert.Equal(("gpu-a", (int?)1), (request.TargetHostname, request.TargetNumaNodeId));
        Assert.Equal([0, 1], request.RequiredGpus);
        Assert.Equal("dev", request.Name);
        Assert.Equal(120, request.WaitSeconds);
        Assert.Equal(("upload", VpsKeyTests.Ed25519), (request.SshKeyMode, request.SshPublicKey));

        var bare = VpsCreation.BuildRequest(new VpsOptions(), VpsKeyPlan.NoSsh());
        Assert.Equal(((string?)null, (string?)null, "disabled", (double?)null), (bare.ContainerName, bare.TargetHostname, bare.SshKeyMode, bare.WaitSeconds));
    }

    [Fact]
    public void A_GPU_count_goes_on_the_request_and_never_with_GPU_ids_in_the_target()
    {
        var request = VpsCreation.BuildRequest(new VpsOptions { Gpus = 2, Target = "gpu-a:1" }, VpsKeyPlan.NoSsh());
        Assert.Equal(2, request.RequiredGpuCount);
        Assert.Null(request.RequiredGpus);
        Assert.Equal(("gpu-a", (int?)1), (request.TargetHostname, request.TargetNumaNodeId));
        Assert.Null(VpsCreation.BuildRequest(new VpsOptions(), VpsKeyPlan.NoSsh()).RequiredGpuCount);

        var both = Assert.Throws<ArgumentException>(() => VpsCreation.BuildRequest(new VpsOptions { Gpus = 1, Target = "gpu-a::0" }, VpsKeyPlan.NoSsh()));
        Assert.StartsWith("-Gpus 1 and -Target 'gpu-a::0', which names GPU ids, cannot be given together", both.Message);
        Assert.StartsWith("-Gpus must be from 1 to 64, got 65",
            Assert.Throws<ArgumentException>(() => VpsCreation.BuildRequest(new VpsOptions { Gpus = 65 }, VpsKeyPlan.NoSsh())).Message);
    }

    [Fact]
    public void A_GPU_count_with_GPU_ids_makes_no_key_before_it_is_refused()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => VpsCreationPlan.Prepare(new VpsOptions { Gpus = 1, Target = "gpu-a::0" },
            VpsKeyChoice.Generate, null, dir.Combine(".ssh"), dir.Combine(".ssh", "kohakuriver")));
        Assert.False(Directory.Exists(dir.Combine(".ssh")));
    }

    [Theory]
    [InlineData("Py 3", null, null)]
    [InlineData(null, "gpu-a:x", null)]
    [InlineData(null, null, 301)]
    public void Bad_input_is_refused_before_anything_happens(string? environment, string? target, int? wait)
    {
        using var dir = new TempDir();
        var e = Record.Exception(() => VpsCreationPlan.Prepare(new VpsOptions { Environment = environment, Target = target, WaitSeconds = wait },
            VpsKeyChoice.Generate, null, dir.Combine(".ssh"), dir.Combine(".ssh", "kohakuriver")));
        Assert.True(e is FormatException or ArgumentException, $"got {e?.GetType().Name}");
        Assert.False(Directory.Exists(dir.Combine(".ssh")));
    }

    [Fact]
    public async Task A_generated_key_is_uploaded_as_its_public_half_and_saved_under_the_VPS_id()
    {
        using var dir = new TempDir();
        var keys = dir.Combine(".ssh", "kohakuriver");
        var host = new FakeHost().On("POST /api/vps/create", r => Created(FakeHost.Read(r, RiverJsonContext.Default.VpsCreateRequest)));
        using var client = host.Client();
        var plan = VpsCreationPlan.Prepare(new VpsOptions { Environment = "py312", Cores = 2 }, VpsKeyChoice.Generate, null, dir.Combine(".ssh"), keys);
        Assert.Contains("new key pair", plan.Description);
        Assert.False(Directory.Exists(keys));

        var outcome = await plan.ExecuteAsync(client, () => Pair.Value, TestContext.Current.CancellationToken);

        var sent = FakeHost.Read(host.Requests.Single(), RiverJsonContext.Default.VpsCreateRequest);
        Assert.Equal(("upload", Pair.Value.PublicKeyOpenSsh), (sent.SshKeyMode, sent.SshPublicKey));
        Assert.DoesNotContain("PRIVATE", host.Requests.Single().Body);
        var vps = outcome.Vps;
        Assert.Equal((Id, RiverTaskStatus.Running, "gpu-a", (int?)32022), (vps.TaskId, vps.Status, vps.NodeName, vps.SshPort));
        Assert.Equal(("py312", 2), (vps.Environment, vps.Cores));
        Assert.Equal(Path.Combine(keys, $"vps-{Id}"), vps.IdentityFile);
        Assert.Equal(Pair.Value.PrivateKeyPem, File.ReadAllText(vps.IdentityFile!));
        Assert.Null(outcome.KeyNotRenamed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => plan.ExecuteAsync(client, () => Pair.Value, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_refused_VPS_leaves_no_key_behind_and_one_that_failed_to_start_names_its_task()
    {
        using var dir = new TempDir();
        var keys = dir.Combine("keys");
        var ct = TestContext.Current.CancellationToken;
        var host = new FakeHost().On("POST /api/vps/create", r => FakeHost.Read(r, RiverJsonContext.Default.VpsCreateRequest).ContainerName == "nosshd"
            ? FakeHost.Json(new VpsCreateResponse { TaskId = Id, Status = RiverTaskStatus.Failed, Message = $"VPS {Id} is failed: sshd did not start" },
                RiverJsonContext.Default.VpsCreateResponse, HttpStatusCode.UnprocessableEntity)
            : FakeHost.Error(HttpStatusCode.BadRequest, "environment 'ghost' is unknown"));
        using var client = host.Client();

        var refused = VpsCreationPlan.Prepare(new VpsOptions { Environment = "ghost" }, VpsKeyChoice.Generate, null, dir.Path, keys);
        var e = await Assert.ThrowsAsync<RiverApiException>(() => refused.ExecuteAsync(client, () => Pair.Value, ct));
        Assert.Equal(RiverErrorKind.InvalidArgument, e.Kind);
        Assert.Empty(Directory.GetFiles(keys));

        var failed = VpsCreationPlan.Prepare(new VpsOptions { Environment = "nosshd" }, VpsKeyChoice.Generate, null, dir.Path, keys);
        var f = await Assert.ThrowsAsync<VpsCreationFailedException>(() => failed.ExecuteAsync(client, () => Pair.Value, ct));
        Assert.Equal(Id, f.TaskId);
        Assert.Contains("sshd did not start", f.Message);
        Assert.Empty(Directory.GetFiles(keys));
    }

    [Fact]
    public async Task When_the_host_cannot_be_told_apart_from_a_lost_answer_the_key_is_kept_and_its_path_given()
    {
        using var dir = new TempDir();
        var keys = dir.Combine("keys");
        var host = new FakeHost().On("POST /api/vps/create", (_, _) => throw new HttpRequestException("connection reset"));
        using var client = host.Client();
        var plan = VpsCreationPlan.Prepare(new VpsOptions(), VpsKeyChoice.Generate, null, dir.Path, keys);

        var e = await Assert.ThrowsAsync<RiverApiException>(() => plan.ExecuteAsync(client, () => Pair.Value, TestContext.Current.CancellationToken));

        var kept = Assert.Single(Directory.GetFiles(keys), f => !f.EndsWith(".pub", StringComparison.Ordinal));
        Assert.Contains(kept, e.Message);
        Assert.Equal(RiverErrorKind.Connection, e.Kind);
    }

    [Fact]
    public async Task A_chosen_key_path_is_used_as_is_and_an_existing_one_is_refused_before_the_host_is_asked()
    {
        using var dir = new TempDir();
        var host = new FakeHost().On("POST /api/vps/create", r => Created(FakeHost.Read(r, RiverJsonContext.Default.VpsCreateRequest)));
        using var client = host.Client();
        var chosen = dir.Combine("work", "dev-key");

        var plan = VpsCreationPlan.Prepare(new VpsOptions(), VpsKeyChoice.Generate, chosen, dir.Path, dir.Combine("keys"));
        Assert.Contains(chosen, plan.Description);
        var outcome = await plan.ExecuteAsync(client, () => Pair.Value, TestContext.Current.CancellationToken);
        Assert.Equal(chosen, outcome.Vps.IdentityFile);

        Assert.Throws<IOException>(() => VpsCreationPlan.Prepare(new VpsOptions(), VpsKeyChoice.Generate, chosen, dir.Path, dir.Combine("keys")));
        Assert.Single(host.Requests);
    }

    [Fact]
    public async Task Without_a_key_option_the_default_public_key_is_uploaded()
    {
        using var dir = new TempDir();
        var ssh = dir.Combine(".ssh");
        Directory.CreateDirectory(ssh);
        File.WriteAllText(Path.Combine(ssh, "id_ed25519.pub"), VpsKeyTests.Ed25519 + "\n");
        var host = new FakeHost().On("POST /api/vps/create", r => Created(FakeHost.Read(r, RiverJsonContext.Default.VpsCreateRequest)));
        using var client = host.Client();

        var plan = VpsCreationPlan.Prepare(new VpsOptions(), VpsKeyChoice.Default, null, ssh, Path.Combine(ssh, "kohakuriver"));
        var outcome = await plan.ExecuteAsync(client, () => throw new InvalidOperationException("no key is generated"), TestContext.Current.CancellationToken);

        Assert.Equal(VpsKeyTests.Ed25519, FakeHost.Read(host.Requests.Single(), RiverJsonContext.Default.VpsCreateRequest).SshPublicKey);
        Assert.Null(outcome.Vps.IdentityFile);
        Assert.False(Directory.Exists(Path.Combine(ssh, "kohakuriver")));
    }

    [Fact]
    public async Task Only_VPS_tasks_are_VPSs_and_only_a_running_one_with_ssh_is_reachable()
    {
        var host = new FakeHost().On("GET /api/status/*", r => FakeHost.Json(new KohakuRiver.Core.Wire.TaskDto
        {
            TaskId = long.Parse(r.Path.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture),
            TaskType = r.Path.EndsWith("/1", StringComparison.Ordinal) ? "command" : "vps",
            Status = RiverTaskStatus.Running,
            SshPort = 22022,
            SshKeyMode = "upload",
        }, RiverJsonContext.Default.TaskDto));
        using var client = host.Client();
        var ct = TestContext.Current.CancellationToken;

        Assert.Contains("not a VPS", (await Assert.ThrowsAsync<KeyNotFoundException>(() => VpsLookup.GetAsync(client, 1, ct))).Message);
        var vps = await VpsLookup.GetAsync(client, 2, ct);
        VpsLookup.EnsureSshReachable(vps);

        RiverTask With(RiverTaskStatus status, int? port, SshKeyMode mode = SshKeyMode.Upload) =>
            new() { TaskId = vps.TaskId, Kind = TaskKind.Vps, Status = status, SshPort = port, SshKeyMode = mode };
        Assert.Contains("not running yet", Assert.Throws<VpsNotReachableException>(() => VpsLookup.EnsureSshReachable(With(RiverTaskStatus.Pending, 22022))).Message);
        Assert.Contains("only a running VPS", Assert.Throws<VpsNotReachableException>(() => VpsLookup.EnsureSshReachable(With(RiverTaskStatus.Stopped, 22022))).Message);
        Assert.Contains("sshd has not answered", Assert.Throws<VpsNotReachableException>(() => VpsLookup.EnsureSshReachable(With(RiverTaskStatus.Running, null))).Message);
        vps = With(RiverTaskStatus.Running, null, SshKeyMode.Disabled);
        Assert.Contains("-NoSsh", Assert.Throws<VpsNotReachableException>(() => VpsLookup.EnsureSshReachable(vps)).Message);
    }

    [Fact]
    public void A_VPS_object_carries_the_task_it_is()
    {
        var vps = RiverVps.FromTask(new RiverTask
        {
            TaskId = Id, Kind = TaskKind.Vps, Name = "dev", Status = RiverTaskStatus.Running, NodeName = "gpu-a", SshPort = 22022,
            Environment = "py312", RequiredCores = 4, RequiredMemoryBytes = 1 << 30, SshKeyMode = SshKeyMode.Upload,
        }, "/home/u/.ssh/kohakuriver/vps-1");

        Assert.Equal((Id, "dev", "gpu-a", (int?)22022, "py312", 4, (long?)(1 << 30)),
            (vps.TaskId, vps.Name, vps.NodeName, vps.SshPort, vps.Environment, vps.Cores, vps.MemoryBytes));
        Assert.Equal("/home/u/.ssh/kohakuriver/vps-1", vps.IdentityFile);
        Assert.Equal($"{Id} (running)", vps.ToString());
    }
}
