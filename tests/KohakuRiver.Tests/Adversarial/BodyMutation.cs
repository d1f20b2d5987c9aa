using System.Text.Json.Nodes;

namespace KohakuRiver.Tests.Adversarial;

/// <summary>One edit of a valid base body that makes it invalid; <see cref="Kind"/> says what it broke.</summary>
public sealed record BodyMutation(string Kind, Action<JsonObject> Edit)
{
    /// <summary>Sets the field at <paramref name="path"/> (a fresh copy of <paramref name="value"/> each time).</summary>
    public static BodyMutation Set(string path, string why, JsonNode? value) =>
        new($"{path}: {why}", body => JsonBody.Set(body, path, value?.DeepClone()));

    public static BodyMutation Remove(string path, string why = "missing") =>
        new($"{path}: {why}", body => JsonBody.Remove(body, path));

    /// <summary>Adds <paramref name="element"/> after the base elements of the list at <paramref name="path"/>, so that
    /// the rest of the list stays as valid as it was.</summary>
    public static BodyMutation Append(string path, string why, JsonNode? element) =>
        new($"{path}: {why}", body =>
        {
            var list = JsonBody.Get(body, path) is JsonArray a ? (JsonArray)a.DeepClone() : [];
            list.Add(element?.DeepClone());
            JsonBody.Set(body, path, list);
        });

    /// <summary>Adds an entry to the map at <paramref name="path"/>, keeping its base entries.</summary>
    public static BodyMutation AddEntry(string path, string why, string key, JsonNode? value) =>
        new($"{path}: {why}", body =>
        {
            var map = JsonBody.Get(body, path) is JsonObject o ? (JsonObject)o.DeepClone() : [];
            map[key] = value?.DeepClone();
            JsonBody.Set(body, path, map);
        });

    /// <summary>The same mutation applied to the object at <paramref name="prefix"/> (a task inside a batch).</summary>
    public BodyMutation Under(string prefix) =>
        new($"{prefix}.{Kind}", body => Edit(JsonBody.Get(body, prefix)!.AsObject()));

    public byte[] Apply(JsonObject baseBody)
    {
        var body = (JsonObject)baseBody.DeepClone();
        Edit(body);
        return JsonBody.ToBytes(body);
    }
}
