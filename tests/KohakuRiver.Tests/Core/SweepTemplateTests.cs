using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using KohakuRiver.Core.Sweeps;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class SweepTemplateTests
{
    private static readonly Dictionary<string, string> Values = new(StringComparer.OrdinalIgnoreCase) { ["lr"] = "0.1", ["seed"] = "3" };

    [Fact]
    public void Placeholders_are_filled_by_name_without_regard_to_case()
    {
        var t = PlaceholderTemplate.Parse("train --lr {LR} --seed {seed} --again {lr}");
        Assert.Equal(["LR", "seed"], t.Placeholders);
        Assert.Equal("train --lr 0.1 --seed 3 --again 0.1", t.Fill(n => Values.GetValueOrDefault(n), "p"));
    }

    [Theory]
    [InlineData("echo {{lr}}", "echo {lr}")]
    [InlineData("echo ${HOME} {lr}", "echo ${HOME} 0.1")]
    [InlineData("echo {a,b} { lr } {1x}", "echo {a,b} { lr } {1x}")]
    [InlineData("awk '{{print $1}}' f{seed}", "awk '{print $1}' f3")]
    [InlineData("lone } and { braces", "lone } and { braces")]
    public void Braces_that_are_not_placeholders_stay_literal(string text, string expected)
    {
        Assert.Equal(expected, PlaceholderTemplate.Parse(text).Fill(n => Values.GetValueOrDefault(n), "p"));
    }

    [Fact]
    public void A_placeholder_without_a_value_is_an_error_naming_it()
    {
        var t = PlaceholderTemplate.Parse("run {epochs}");
        var e = Assert.Throws<SweepException>(() => t.Fill(n => Values.GetValueOrDefault(n), "input object 4"));
        Assert.Contains("{epochs}", e.Message);
        Assert.Contains("input object 4", e.Message);
    }

    [Fact]
    public void Values_are_formatted_culture_invariant_and_as_PowerShell_writes_them()
    {
        var previous = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        try
        {
            Assert.Equal("0.1", SweepValueFormatter.Format(0.1));
            Assert.Equal("0.30000000000000004", SweepValueFormatter.Format(0.1 + 0.2));
            Assert.Equal("1E-05", SweepValueFormatter.Format(1e-5));
            Assert.Equal("2.5", SweepValueFormatter.Format(2.5m));
            Assert.Equal("True", SweepValueFormatter.Format(true));
            Assert.Equal("", SweepValueFormatter.Format(null));
            Assert.Equal("1 2 3", SweepValueFormatter.Format(new object[] { 1, 2L, "3" }));
            Assert.Equal("2026-03-04T05:06:07.0000000Z", SweepValueFormatter.Format(new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc)));
            Assert.Equal("Friday", SweepValueFormatter.Format(DayOfWeek.Friday));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void A_wrapped_value_is_unwrapped_before_formatting()
    {
        Assert.Equal("0.5 7", SweepValueFormatter.Format(new Wrapper(new object[] { new Wrapper(0.5), 7 }), Unwrap));
    }

    [Fact]
    public void The_grid_is_the_cartesian_product_with_the_last_name_varying_fastest()
    {
        var sweep = new OrderedDictionary { ["seed"] = new object[] { 1, 2, 3 }, ["lr"] = new object[] { 0.1, 0.01 } };
        var grid = SweepGrid.FromDictionary(sweep);
        Assert.Equal(6, grid.Count);
        var points = grid.Points().Select(p => string.Join(",", p.Select(kv => $"{kv.Key}={SweepValueFormatter.Format(kv.Value)}"))).ToList();
        Assert.Equal(["seed=1,lr=0.1", "seed=1,lr=0.01", "seed=2,lr=0.1", "seed=2,lr=0.01", "seed=3,lr=0.1", "seed=3,lr=0.01"], points);
    }

    [Fact]
    public void A_plain_hashtable_is_taken_in_sorted_name_order_and_a_string_is_one_value()
    {
        var sweep = new Hashtable { ["opt"] = "adam", ["batch"] = new object[] { 16, 32 }, ["Act"] = new Wrapper(new object[] { "relu", "gelu" }) };
        var grid = SweepGrid.FromDictionary(sweep, Unwrap);
        Assert.Equal(["Act", "batch", "opt"], grid.Names);
        Assert.Equal(4, grid.Count);
        Assert.All(grid.Points(), p => Assert.Equal("adam", p[2].Value));
    }

    [Fact]
    public void An_empty_value_list_or_a_huge_grid_is_refused()
    {
        Assert.Contains("no values", Assert.Throws<SweepException>(() => SweepGrid.FromDictionary(new Hashtable { ["lr"] = Array.Empty<object>() })).Message);
        var big = Enumerable.Range(0, 1001).Cast<object>().ToArray();
        Assert.Throws<SweepException>(() => SweepGrid.FromDictionary(new Hashtable { ["a"] = big, ["b"] = big }));
    }

    [Fact]
    public void A_dictionary_point_records_all_its_values_and_an_object_point_is_only_looked_up()
    {
        var record = SweepPoint.FromDictionary(new Hashtable { ["b"] = 2, ["a"] = 1 });
        Assert.True(record.IsRecord);
        Assert.Equal(["a", "b"], record.RecordedValues.Select(kv => kv.Key));
        Assert.True(record.TryGetValue("A", out var a));
        Assert.Equal(1, a);

        var view = SweepPoint.FromObject(new FileInfo("/tmp/data.csv"));
        Assert.False(view.IsRecord);
        Assert.Empty(view.RecordedValues);
        Assert.True(view.TryGetValue("name", out var name));
        Assert.Equal("data.csv", name);
        Assert.False(view.TryGetValue("nope", out _));

        var scalar = SweepPoint.FromObject(42);
        Assert.True(scalar.TryGetValue("_", out var v));
        Assert.Equal(42, v);
    }

    internal static object Unwrap(object o) => o is Wrapper w ? w.Inner : o;

    /// <summary>Stands in for PowerShell's PSObject.</summary>
    internal sealed record Wrapper(object Inner);
}
