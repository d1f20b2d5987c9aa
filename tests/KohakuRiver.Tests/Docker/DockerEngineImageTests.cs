using System.Text;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using Xunit;

namespace KohakuRiver.Tests.Docker;

public sealed class DockerEngineImageTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private DockerEngine Client => docker.Client;

    [Fact]
    public async Task Inspect_finds_busybox_and_returns_null_for_a_missing_image()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string missing = DockerFixture.UniqueName() + ":nope";

        var busybox = await Client.InspectImageAsync(DockerFixture.BusyboxImage, cts.Token);

        Assert.NotNull(busybox);
        Assert.StartsWith("sha256:", busybox.Id);
        Assert.Contains(DockerFixture.BusyboxImage, busybox.RepoTags!);
        Assert.Equal(["/bin/sh"], busybox.Cmd);
        Assert.True(busybox.SizeBytes > 0);
        Assert.NotNull(busybox.Created);
        Assert.Null(await Client.InspectImageAsync(missing, cts.Token));
        await Client.RemoveImageAsync(missing, ct: cts.Token);
        var e = await Assert.ThrowsAsync<EngineException>(() => Client.SaveImageAsync(missing, Stream.Null, cts.Token));
        // For a name:tag that does not exist the engine says "reference does not exist", not "No such image".
        Assert.Equal(EngineErrorKind.NotFound, e.Kind);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.InspectImageAsync("../containers/json?", cts.Token));
    }

    [Fact]
    public async Task Commit_save_remove_load_round_trips_an_image_with_its_label_and_files()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout(30);
        string repo = DockerFixture.UniqueName();
        string image = repo + ":snap";
        string? source = null, check = null;
        try
        {
            source = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sh", "-c", "echo kept > /root/file"], cts.Token);
            Assert.Equal(0, await Client.WaitContainerAsync(source, cts.Token));

            string imageId = await Client.CommitContainerAsync(source, repo, "snap",
                new Dictionary<string, string> { ["kohakuriver.snapshot"] = "yes" }, ct: cts.Token);

            Assert.StartsWith("sha256:", imageId);
            var committed = await Client.InspectImageAsync(image, cts.Token);
            Assert.Equal(imageId, committed!.Id);
            Assert.Equal("yes", committed.Labels["kohakuriver.snapshot"]);
            // Null keeps the container's command.
            Assert.Equal(["sh", "-c", "echo kept > /root/file"], committed.Cmd);

            var tarball = new MemoryStream();
            await Client.SaveImageAsync(image, tarball, cts.Token);
            Assert.True(tarball.Length > 100_000, $"tarball is only {tarball.Length} bytes");

            await docker.RemoveQuietlyAsync(source);
            source = null;
            await Client.RemoveImageAsync(image, ct: cts.Token);
            Assert.Null(await Client.InspectImageAsync(image, cts.Token));

            tarball.Position = 0;
            await Client.LoadImageAsync(tarball, cts.Token);

            var loaded = await Client.InspectImageAsync(image, cts.Token);
            Assert.Equal(imageId, loaded!.Id);
            Assert.Equal("yes", loaded.Labels["kohakuriver.snapshot"]);
            check = await Client.CreateContainerAsync(DockerFixture.UniqueName(),
                new ContainerSpec { Image = image, Cmd = ["cat", "/root/file"] }, cts.Token);
            await Client.StartContainerAsync(check, cts.Token);
            await Client.WaitContainerAsync(check, cts.Token);
            var output = new MemoryStream();
            await Client.CopyLogsAsync(check, output, Stream.Null, follow: false, cts.Token);
            Assert.Equal("kept\n", Encoding.UTF8.GetString(output.ToArray()));
        }
        finally
        {
            await docker.RemoveQuietlyAsync(source);
            await docker.RemoveQuietlyAsync(check);
            await docker.RemoveImageQuietlyAsync(image);
        }
    }

    [Fact]
    public async Task Loading_a_truncated_tarball_throws_with_the_engine_message()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        var whole = new MemoryStream();
        await Client.SaveImageAsync(DockerFixture.BusyboxImage, whole, cts.Token);
        var truncated = new MemoryStream(whole.GetBuffer(), 0, (int)(whole.Length / 2));

        // The engine answers 200 here and reports the failure inside the body.
        var e = await Assert.ThrowsAsync<EngineException>(() => Client.LoadImageAsync(truncated, cts.Token));

        Assert.Contains("unexpected EOF", e.Message);
    }
}
