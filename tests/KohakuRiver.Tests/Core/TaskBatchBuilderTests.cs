using System.Collections;
using System.Collections.Specialized;
using KohakuRiver.Core.Sweeps;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class TaskBatchBuilderTests
{
    [Fact]
    public void Piped_hashtables_fill_the_command_and_record_their_values()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "python train.py --lr {lr} --seed {seed}", Name = "lr{lr}-s{seed}" });
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 0.1, ["seed"] = 1, ["note"] = "x" }));
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 0.01, ["seed"] = 2 }));

        var specs = b.Build().Tasks;
        Assert.Equal(2, specs.Count);
        Assert.Equal("python train.py --lr 0.1 --seed 1", specs[0].Command);
        Assert.Equal("lr0.01-s2", specs[1].Name);
        Assert.Equal(new Dictionary<string, string> { ["lr"] = "0.1", ["note"] = "x", ["seed"] = "1" }, specs[0].Parameters);
        Assert.Equal(new Dictionary<string, string> { ["lr"] = "0.01", ["seed"] = "2" }, specs[1].Parameters);
    }

    [Fact]
    public void Sweep_alone_expands_to_its_product_and_each_task_records_its_point()
    {
        var grid = SweepGrid.FromDictionary(new OrderedDictionary { ["lr"] = new object[] { 0.1, 0.01 }, ["seed"] = new object[] { 1, 2, 3 } });
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "train", Arguments = ["--lr={lr}", "--seed={seed}"] }, grid);
        Assert.Equal(6, b.AddWithoutInput());
        var specs = b.Build().Tasks;
        Assert.Equal(["--lr=0.01", "--seed=3"], specs[5].Arguments);
        Assert.Equal("0.01", specs[5].Parameters!["lr"]);
        Assert.Equal(6, specs.Select(s => $"{s.Parameters!["lr"]}/{s.Parameters["seed"]}").Distinct().Count());
    }

    [Fact]
    public void Piped_points_times_the_sweep_and_a_name_given_twice_is_an_error_for_that_point_only()
    {
        var grid = SweepGrid.FromDictionary(new Hashtable { ["seed"] = new object[] { 1, 2 } });
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "run {model} {seed}" }, grid);
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["model"] = "small" }));
        var e = Assert.Throws<SweepException>(() => b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["model"] = "big", ["seed"] = 9 })));
        Assert.Contains("seed", e.Message);
        Assert.Contains("input object 2", e.Message);
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["model"] = "large" }));

        Assert.Equal(["run small 1", "run small 2", "run large 1", "run large 2"], b.Build().Tasks.Select(s => s.Command));
        Assert.Equal(3, b.PointsSeen);
    }

    [Fact]
    public void A_point_missing_a_placeholder_adds_nothing_and_says_what_it_has()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "run {lr}", EnvironmentVariables = [new("SEED", "{seed}")] });
        var e = Assert.Throws<SweepException>(() => b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 1, ["sead"] = 2 })));
        Assert.Contains("{seed}", e.Message);
        Assert.Contains("sead", e.Message);
        Assert.Equal(0, b.SpecCount);
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 1, ["seed"] = 2 }));
        Assert.Equal("2", b.Build().Tasks.Single().EnvVars!["SEED"]);
    }

    [Fact]
    public void Without_input_or_sweep_the_command_is_taken_literally()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "awk '{print}' {{x}}", Cores = 2, MemoryBytes = 1L << 30, PidsLimit = 64, Targets = ["n1", "n2"] });
        b.AddWithoutInput();
        var spec = b.Build().Tasks.Single();
        Assert.Equal("awk '{print}' {{x}}", spec.Command);
        Assert.Null(spec.Parameters);
        Assert.Equal(2, spec.RequiredCores);
        Assert.Equal(1L << 30, spec.RequiredMemoryBytes);
        Assert.Equal(64, spec.PidsLimit);
        Assert.Equal(["n1", "n2"], spec.Targets);
        Assert.Equal(2, b.TaskCount);
    }

    [Fact]
    public void An_object_point_records_only_the_values_the_template_uses()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "wc -l {FullName}" });
        b.AddPoint(SweepPoint.FromObject(new FileInfo("/data/x.csv")));
        var spec = b.Build().Tasks.Single();
        Assert.Equal("wc -l /data/x.csv", spec.Command);
        Assert.Equal(new Dictionary<string, string> { ["FullName"] = "/data/x.csv" }, spec.Parameters);
    }

    [Fact]
    public void A_plain_value_fills_the_underscore_placeholder()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "echo {_}" });
        foreach (var i in new[] { 1, 2 }) b.AddPoint(SweepPoint.FromScalar(i));
        Assert.Equal(["echo 1", "echo 2"], b.Build().Tasks.Select(s => s.Command));
        Assert.Equal("2", b.Build().Tasks[1].Parameters!["_"]);
    }

    [Fact]
    public void Targets_may_be_templated_and_are_checked_per_point()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "hostname", Targets = ["{NodeName}"] });
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["NodeName"] = "gpu-1" }));
        Assert.Throws<SweepException>(() => b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["NodeName"] = "bad name" })));
        Assert.Equal(["gpu-1"], b.Build().Tasks.Single().Targets);
    }

    [Fact]
    public void Fixed_targets_are_checked_up_front_and_shared_by_every_specification()
    {
        Assert.Throws<ArgumentException>(() => new TaskBatchBuilder(new TaskTemplate { Command = "x", Targets = ["a b"] }));
        Assert.Throws<ArgumentException>(() => new TaskBatchBuilder(new TaskTemplate { Command = " " }));
        Assert.Throws<ArgumentException>(() => new TaskBatchBuilder(new TaskTemplate { Command = "x", MemoryBytes = 0 }));

        var b = new TaskBatchBuilder(new TaskTemplate { Command = "run {_}", Targets = ["n1:0", "n2::1"] });
        b.AddPoint(SweepPoint.FromScalar(1));
        b.AddPoint(SweepPoint.FromScalar(2));
        var specs = b.Build().Tasks;
        Assert.Same(specs[0].Targets, specs[1].Targets);
        Assert.Equal(4, b.TaskCount);
    }

    [Fact]
    public void An_environment_a_piped_object_names_replaces_the_templates_for_its_tasks_only()
    {
        var grid = SweepGrid.FromDictionary(new Hashtable { ["seed"] = new object[] { 1, 2 } });
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "train {seed}", Environment = "base" }, grid);
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 1 }), "py312");
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 2 }), " ");
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["lr"] = 3 }));

        Assert.Equal(["py312", "py312", "base", "base", "base", "base"], b.Build().Tasks.Select(t => t.ContainerName));
    }

    [Fact]
    public void An_image_given_on_the_command_line_wins_over_a_piped_environment()
    {
        var b = new TaskBatchBuilder(new TaskTemplate { Command = "run", Image = "python:3.12" });
        b.AddPoint(SweepPoint.FromDictionary(new Hashtable { ["x"] = 1 }), "py312");

        var spec = Assert.Single(b.Build().Tasks);
        Assert.Null(spec.ContainerName);
        Assert.Equal("python:3.12", spec.RegistryImage);
    }
}

