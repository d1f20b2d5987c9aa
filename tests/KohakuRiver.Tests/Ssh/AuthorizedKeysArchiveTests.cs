using System.Formats.Tar;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Daemon.Engine;
using KohakuRiver.Daemon.Engine.Docker;
using KohakuRiver.Daemon.Runner.Vps;
using KohakuRiver.Tests.Docker;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

public sealed class AuthorizedKeysArchiveTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private DockerEngine Client => docker.Client;

    [Fact]
    public async Task The_archive_holds_a_root_owned_ssh_folder_and_key_file()
    {
        string key = SshKeyPair.Generate("archive-test").PublicKeyOpenSsh;

        using var tar = AuthorizedKeysArchive.Build(key);
        using var reader = new TarReader(tar);
        var entries = new List<(TarEntry Entry, string? Content)>();
        while (await reader.GetNextEntryAsync(copyData: true, TestContext.Current.CancellationToken) is { } entry)
            entries.Add((entry, entry.DataStream is null ? null : await new StreamReader(entry.DataStream).ReadToEndAsync(TestContext.Current.CancellationToken)));

        Assert.Equal(2, entries.Count);
        var (dir, _) = entries[0];
        Assert.Equal(TarEntryType.Directory, dir.EntryType);
        Assert.Equal(".ssh/", dir.Name);
        Assert.Equal((UnixFileMode)0b111_000_000, dir.Mode);
        var (file, content) = entries[1];
        Assert.Equal(TarEntryType.RegularFile, file.EntryType);
        Assert.Equal(".ssh/authorized_keys", file.Name);
        Assert.Equal((UnixFileMode)0b110_000_000, file.Mode);
        Assert.Equal(key + "\n", content);
        Assert.All(entries, e => Assert.Equal((0, 0), (e.Entry.Uid, e.Entry.Gid)));
    }

    [Theory]
    [InlineData("command=\"sh\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINSLL9sgFrNageQpuOY1RkvlwWRzDPOp/RQ5qjEPlHtl")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINSLL9sgFrNageQpuOY1RkvlwWRzDPOp/RQ5qjEPlHtl\nssh-rsa AAAA")]
    [InlineData("")]
    public void An_invalid_key_never_becomes_an_archive(string line)
    {
        var e = Assert.Throws<ArgumentException>(() => AuthorizedKeysArchive.Build(line));
        Assert.StartsWith("Invalid SSH public key: ", e.Message);
    }

    [Fact]
    public async Task Put_into_a_created_container_the_key_is_in_place_with_strict_modes_at_first_start()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string key = SshKeyPair.Generate("put-test").PublicKeyOpenSsh;
        string? id = null;
        try
        {
            id = await Client.CreateContainerAsync(DockerFixture.UniqueName(), new ContainerSpec
            {
                Image = DockerFixture.BusyboxImage,
                Cmd = ["sh", "-c", "cat /root/.ssh/authorized_keys; stat -c '%a %u:%g' /root/.ssh /root/.ssh/authorized_keys"],
            }, cts.Token);

            using (var tar = AuthorizedKeysArchive.Build(key))
                await Client.PutArchiveAsync(id, AuthorizedKeysArchive.ExtractAt, tar, cts.Token);
            await Client.StartContainerAsync(id, cts.Token);
            var exit = await Client.WaitContainerAsync(id, cts.Token);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            await Client.CopyLogsAsync(id, stdout, stderr, follow: false, cts.Token);

            Assert.Equal(0, exit);
            Assert.Equal($"{key}\n700 0:0\n600 0:0\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.Empty(stderr.ToArray());
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task PutArchive_into_a_missing_folder_is_an_error()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await Client.CreateContainerAsync(DockerFixture.UniqueName(),
                new ContainerSpec { Image = DockerFixture.BusyboxImage, Cmd = ["true"] }, cts.Token);
            using var tar = AuthorizedKeysArchive.Build(SshKeyPair.Generate().PublicKeyOpenSsh);

            var e = await Assert.ThrowsAsync<EngineException>(() => Client.PutArchiveAsync(id, "/no/such/dir", tar, cts.Token));
            Assert.Equal(EngineErrorKind.NotFound, e.Kind);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task PathExists_tells_whether_an_image_ships_a_file_without_starting_it()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            id = await Client.CreateContainerAsync(DockerFixture.UniqueName(),
                new ContainerSpec { Image = DockerFixture.BusyboxImage, Cmd = ["true"] }, cts.Token);

            Assert.True(await Client.PathExistsAsync(id, "/bin/sh", cts.Token));
            Assert.True(await Client.PathExistsAsync(id, "/root", cts.Token));
            Assert.False(await Client.PathExistsAsync(id, "/usr/sbin/sshd", cts.Token));
            Assert.False(await Client.PathExistsAsync(id, "/root/.ssh", cts.Token));
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task PathExists_on_a_missing_container_is_an_error_not_false()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();

        var e = await Assert.ThrowsAsync<EngineException>(() => Client.PathExistsAsync(DockerFixture.UniqueName(), "/bin/sh", cts.Token));
        Assert.Equal(EngineErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task Restart_starts_the_container_process_again()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();
        string? id = null;
        try
        {
            // Each start appends a line, so two lines prove a second start; the sleep keeps it running in between.
            id = await docker.RunBusyboxAsync(DockerFixture.UniqueName(), ["sh", "-c", "echo started >> /tmp/starts; exec sleep 600"], cts.Token);
            var before = (await Client.InspectContainerAsync(id, cts.Token))!.State;

            await Client.RestartContainerAsync(id, timeoutSeconds: 0, cts.Token);

            var after = (await Client.InspectContainerAsync(id, cts.Token))!.State;
            Assert.True(after.Running);
            Assert.NotEqual(before.StartedAt, after.StartedAt);
            var (code, stdout, _) = await Client.RunExecAsync(id, ["cat", "/tmp/starts"], cts.Token);
            Assert.Equal(0, code);
            Assert.Equal("started\nstarted\n", stdout);
        }
        finally
        {
            await docker.RemoveQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Restart_of_a_missing_container_is_a_404()
    {
        docker.RequireDocker();
        using var cts = DockerFixture.Timeout();

        var e = await Assert.ThrowsAsync<EngineException>(() => Client.RestartContainerAsync(DockerFixture.UniqueName(), 0, cts.Token));
        Assert.Equal(EngineErrorKind.NotFound, e.Kind);
    }
}
