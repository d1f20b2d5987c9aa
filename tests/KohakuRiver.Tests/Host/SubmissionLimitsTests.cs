using KohakuRiver.Core.Models;
using KohakuRiver.Core.Wire;
using KohakuRiver.Daemon.Host;
using Xunit;

namespace KohakuRiver.Tests.Host;

/// <summary>Every size limit, character rule and default of a submission, each a 400 that names what was wrong and
/// stores nothing.</summary>
public sealed class SubmissionLimitsTests : ClusterStateTestBase
{
    public SubmissionLimitsTests() : base(s => s.HostSharesRunnerFilesystem = true, DateTimeOffset.UnixEpoch.AddYears(55)) =>
        _state.Register(new RegisterRequest { Hostname = "n1", Url = "http://n1.test:8001", TotalCores = 8, TotalRamBytes = 32 * G });

    private static string Big(int bytes) => new('x', bytes);

    public static TheoryData<string, Action<SubmitRequest>, string> Refusals => new()
    {
        { "command over the limit", r => r.Command = Big(RequestLimits.MaxCommandBytes + 1), $"command is {RequestLimits.MaxCommandBytes + 1} bytes long; at most {RequestLimits.MaxCommandBytes}" },
        { "multi-byte command over the limit", r => r.Command = new string('é', RequestLimits.MaxCommandBytes / 2 + 1), "bytes long; at most 65536" },
        { "NUL in the command", r => r.Command = "echo a\0b", "command contains a NUL character" },
        { "NUL in an argument", r => r.Arguments = ["ok", "a\0"], "arguments[1] contains a NUL character" },
        { "too many arguments", r => r.Arguments = Enumerable.Repeat("a", RequestLimits.MaxArguments + 1).ToList(), $"arguments has {RequestLimits.MaxArguments + 1} items; at most {RequestLimits.MaxArguments}" },
        { "arguments too heavy together", r => r.Arguments = Enumerable.Repeat(Big(1000), 70).ToList(), $"arguments weigh 70000 bytes together; at most {RequestLimits.MaxArgumentsBytes}" },
        { "name over the limit", r => r.Name = Big(RequestLimits.MaxNameBytes + 1), $"name is {RequestLimits.MaxNameBytes + 1} bytes long" },
        { "control character in the name", r => r.Name = "a\u0007b", "name 'a\\u0007b' contains a control character" },
        { "env name with a space", r => r.EnvVars = new() { ["A B"] = "1" }, "env_vars name 'A B' is not a valid variable name" },
        { "env name starting with a digit", r => r.EnvVars = new() { ["1A"] = "1" }, "env_vars name '1A' is not a valid variable name" },
        { "empty env name", r => r.EnvVars = new() { [""] = "1" }, "env_vars name '' is not a valid variable name" },
        { "NUL in an env name", r => r.EnvVars = new() { ["A\0"] = "1" }, "env_vars name 'A\\u0000' is not a valid variable name" },
        { "NUL in an env value", r => r.EnvVars = new() { ["A"] = "1\0" }, "env_vars value of A contains a NUL character" },
        { "too many env vars", r => r.EnvVars = Enumerable.Range(0, RequestLimits.MaxEnvVars + 1).ToDictionary(i => $"V{i}", _ => "1"), $"env_vars has {RequestLimits.MaxEnvVars + 1} variables" },
        { "env vars too heavy together", r => r.EnvVars = Enumerable.Range(0, 3).ToDictionary(i => $"V{i}", _ => Big(30_000)), $"env_vars weigh 90006 bytes together; at most {RequestLimits.MaxEnvBytes}" },
        { "too many parameters", r => r.Parameters = Enumerable.Range(0, RequestLimits.MaxParameters + 1).ToDictionary(i => $"p{i}", _ => "1"), $"parameters has {RequestLimits.MaxParameters + 1} entries" },
        { "parameters too heavy", r => r.Parameters = new() { ["p"] = Big(RequestLimits.MaxParametersBytes) }, "parameters weigh 16385 bytes together; at most 16384" },
        { "too many mounts", r => r.AdditionalMounts = Enumerable.Repeat("/x:/y", RequestLimits.MaxMounts + 1).ToList(), $"additional_mounts lists {RequestLimits.MaxMounts + 1} mounts" },
        { "NUL in a mount", r => r.AdditionalMounts = ["/tmp\0/x:/y"], "contains a control character" },
        { "runtime state through the /var/run link", r => r.AdditionalMounts = ["/var/run:/s"], "/var/run (really /run) lies in the runtime state in /run" },
        { "too many targets", r => r.Targets = Enumerable.Repeat("n1", RequestLimits.MaxTargets + 1).ToList(), $"targets lists {RequestLimits.MaxTargets + 1} targets" },
        { "too many GPU ids", r => r.Targets = ["n1::" + string.Join(",", Enumerable.Range(0, RequestLimits.MaxGpuIds + 1))], $"lists more than {RequestLimits.MaxGpuIds} GPU ids" },
        { "a negative GPU id", r => r.RequiredGpus = [[-1]], "GPU id -1 is negative" },
        { "an empty image", r => r.RegistryImage = "", "registry_image: an image reference must not be empty" },
        { "an image with a space", r => r.RegistryImage = "a b", "registry_image: 'a b' is not an image reference" },
        { "an image with uppercase", r => r.RegistryImage = "UPPER/Case", "registry_image: 'UPPER/Case' is not an image reference" },
        { "an image that climbs paths", r => r.RegistryImage = "../../containers", "registry_image: '../../containers' is not an image reference" },
        { "an invalid environment", r => r.ContainerName = "Bad Env", "container_name 'Bad Env' is not a valid environment name" },
        { "privileged", r => r.Privileged = true, "privileged containers are not allowed on this cluster" },
        { "pids_limit too low", r => r.PidsLimit = 3, "pids_limit must be from 16 to 65536 (setting max_pids_limit), got 3" },
        { "pids_limit too high", r => r.PidsLimit = 1_000_000_000, "pids_limit must be from 16 to 65536" },
        { "negative cores", r => r.RequiredCores = -1, "required_cores must be 0 or more, got -1" },
        { "unknown task type", r => r.TaskType = "vps\0", "task_type 'vps\\u0000' is not supported here" },
        {
            "a task heavier than the whole-task limit",
            r => { r.Command = Big(60_000); r.Arguments = [Big(60_000)]; r.EnvVars = new() { ["A"] = Big(20_000) }; },
            $"weigh 140001 bytes together; at most {RequestLimits.MaxTaskBytes}"
        },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_limit_and_rule_is_an_invalid_request_that_names_it_and_stores_nothing(string what, Action<SubmitRequest> edit, string detail)
    {
        var request = new SubmitRequest { Command = "true" };
        edit(request);
        var e = Assert.Throws<HostException>(() => _state.Submit([request]));
        Assert.True(e.Kind == HostErrorKind.Invalid, what);
        Assert.Contains(detail, e.Message);
        Assert.Empty(_store.ListTasks(null, null, null, 10, 0));
    }

    [Fact]
    public void A_batch_over_the_task_limit_is_refused_counting_one_task_per_target()
    {
        var specs = Enumerable.Range(0, RequestLimits.MaxBatchTasks / 2 + 1).Select(_ => new SubmitRequest { Command = "true", Targets = ["n1", "n1"] }).ToList();
        var e = Assert.Throws<HostException>(() => _state.Submit(specs));
        Assert.Equal($"the submission makes {RequestLimits.MaxBatchTasks + 2} tasks; at most {RequestLimits.MaxBatchTasks} are allowed in one batch (split it)", e.Message);
        Assert.Empty(_store.ListTasks(null, null, null, 10, 0));
    }

    [Fact]
    public void Values_at_each_limit_are_accepted()
    {
        var r = _state.Submit([new SubmitRequest
        {
            Command = Big(RequestLimits.MaxCommandBytes),
            Name = Big(RequestLimits.MaxNameBytes),
            EnvVars = new() { ["_A.b-1"] = "line\nbreaks and ünïcode are fine" },
            PidsLimit = _settings.MaxPidsLimit,
            RegistryImage = "localhost:5000/team/img:v1",
        }]);
        var t = _state.GetTask(long.Parse(Assert.Single(r.TaskIds)))!;
        Assert.Equal(RequestLimits.MaxCommandBytes, t.Command.Length);
        Assert.Equal(_settings.MaxPidsLimit, t.PidsLimit);
    }

    [Fact]
    public void Defaults_fill_in_a_pids_limit_a_memory_limit_per_core_and_at_least_one_core()
    {
        _settings.DefaultPidsLimit = 500;
        _settings.DefaultMemoryPerCoreBytes = 5 * G;
        var zero = _state.GetTask(long.Parse(_state.Submit([new SubmitRequest { Command = "true", RequiredCores = 0 }]).TaskIds[0]))!;
        Assert.Equal((1, 5 * G, 500), (zero.RequiredCores, zero.RequiredMemoryBytes, zero.PidsLimit));

        var four = _state.GetTask(long.Parse(_state.Submit([new SubmitRequest { Command = "true", RequiredCores = 4 }]).TaskIds[0]))!;
        Assert.Equal(20 * G, four.RequiredMemoryBytes);

        // Never above the largest node: a default alone must not make a task impossible.
        var eight = _state.GetTask(long.Parse(_state.Submit([new SubmitRequest { Command = "true", RequiredCores = 8 }]).TaskIds[0]))!;
        Assert.Equal(32 * G, eight.RequiredMemoryBytes);

        var asked = _state.GetTask(long.Parse(_state.Submit([new SubmitRequest { Command = "true", RequiredMemoryBytes = 100L << 20, PidsLimit = 64 }]).TaskIds[0]))!;
        Assert.Equal((100L << 20, 64), (asked.RequiredMemoryBytes, asked.PidsLimit));
    }

    [Fact]
    public void Privileged_is_accepted_when_the_operator_allows_it()
    {
        _settings.AllowPrivileged = true;
        var state = NewState();
        var r = state.Submit([new SubmitRequest { Command = "true", Privileged = true }]);
        Assert.True(state.GetTask(long.Parse(r.TaskIds[0]))!.Privileged);
    }

    [Fact]
    public void A_vps_gets_the_same_checks_and_defaults()
    {
        Assert.Contains("runtime state in /run", Assert.Throws<HostException>(() => _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", AdditionalMounts = ["/run:/r"] }, SshKeyMode.Disabled, null)).Message);
        Assert.Contains("pids_limit must be from 16", Assert.Throws<HostException>(() => _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", PidsLimit = 1 }, SshKeyMode.Disabled, null)).Message);
        Assert.Contains("registry_image", Assert.Throws<HostException>(() => _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", RegistryImage = "../x" }, SshKeyMode.Disabled, null)).Message);
        Assert.Contains($"ssh_public_key is 20000 bytes long; at most {RequestLimits.MaxSshPublicKeyBytes} are allowed", Assert.Throws<HostException>(() => _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "upload", SshPublicKey = Big(20_000) }, SshKeyMode.Upload, null)).Message);
        Assert.Empty(_store.ListTasks(null, null, null, 10, 0));

        var vps = _state.SubmitVps(new VpsCreateRequest { SshKeyMode = "disabled", RequiredCores = 0 }, SshKeyMode.Disabled, null);
        Assert.Equal((1, 2 * G, 4096), (vps.RequiredCores, vps.RequiredMemoryBytes, vps.PidsLimit));
    }
}
