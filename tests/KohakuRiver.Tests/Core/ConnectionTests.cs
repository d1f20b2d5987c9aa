using KohakuRiver.Core.Client;
using KohakuRiver.Core.Connection;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class ConnectionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kohakuriver-client-tests", Guid.NewGuid().ToString("N"));
    private readonly ClientConfigFile _file;
    private readonly Dictionary<string, string?> _env = [];

    public ConnectionTests() => _file = new ClientConfigFile(Path.Combine(_dir, "client.json"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string? Env(string name) => _env.GetValueOrDefault(name);

    private RiverClusterConnection Resolve(RiverClusterConnection? parameter = null, RiverClusterConnection? session = null) =>
        ConnectionResolver.Resolve(parameter, session, Env, _file);

    [Theory]
    [InlineData("gpu-head", "http://gpu-head:8000/")]
    [InlineData("gpu-head:9000", "http://gpu-head:9000/")]
    [InlineData("10.0.0.5", "http://10.0.0.5:8000/")]
    [InlineData("http://gpu-head", "http://gpu-head/")]
    [InlineData("https://river.example.org/", "https://river.example.org/")]
    [InlineData(" http://h:8000/base ", "http://h:8000/base/")]
    public void Host_addresses_are_read_as_people_write_them(string text, string expected) =>
        Assert.Equal(expected, RiverEndpoint.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("ftp://h")]
    [InlineData("http://")]
    public void Bad_host_addresses_are_refused(string text) => Assert.Throws<FormatException>(() => RiverEndpoint.Parse(text));

    [Fact]
    public void The_parameter_wins_then_the_session_then_the_environment_then_the_file()
    {
        _file.Save(new ClientConfig { Host = "file-host", Token = "file-token" });
        Assert.Equal((RiverConnectionSource.ConfigFile, "http://file-host:8000/", "file-token"), Describe(Resolve()));

        _env[ConnectionResolver.HostVariable] = "env-host";
        _env[ConnectionResolver.TokenVariable] = "env-token";
        Assert.Equal((RiverConnectionSource.Environment, "http://env-host:8000/", "env-token"), Describe(Resolve()));

        var session = new RiverClusterConnection(new Uri("http://session:8000/"), "session-token", RiverConnectionSource.Session);
        Assert.Equal((RiverConnectionSource.Session, "http://session:8000/", "session-token"), Describe(Resolve(session: session)));

        var parameter = new RiverClusterConnection(new Uri("http://param:8000/"), "param-token", RiverConnectionSource.Session);
        Assert.Equal((RiverConnectionSource.Parameter, "http://param:8000/", "param-token"), Describe(Resolve(parameter, session)));
    }

    [Fact]
    public void Each_variable_overrides_its_field_of_the_file_and_the_files_token_stays_with_its_host()
    {
        _file.Save(new ClientConfig { Host = "http://head:8000", Token = "file-token" });
        _env[ConnectionResolver.TokenVariable] = "rotated";
        Assert.Equal((RiverConnectionSource.Environment, "http://head:8000/", "rotated"), Describe(Resolve()));

        _env.Clear();
        _env[ConnectionResolver.HostVariable] = "head";
        Assert.Equal("file-token", Resolve().GetToken());

        _env[ConnectionResolver.HostVariable] = "other-host";
        var e = Assert.Throws<RiverNotConnectedException>(() => Resolve());
        Assert.Contains(ConnectionResolver.TokenVariable, e.Message);
    }

    [Fact]
    public void Nothing_configured_is_a_not_connected_error_that_names_where_it_looked()
    {
        var e = Assert.Throws<RiverNotConnectedException>(() => Resolve());
        Assert.Contains(ConnectionResolver.HostVariable, e.Message);
        Assert.Contains(_file.Path, e.Message);
    }

    [Fact]
    public void Connect_takes_the_token_given_else_the_environments_else_the_files_for_that_host()
    {
        Assert.Equal("given", ConnectionResolver.ForHost("h", "given", Env, _file).GetToken());
        Assert.Throws<RiverNotConnectedException>(() => ConnectionResolver.ForHost("h", null, Env, _file));
        _file.Save(new ClientConfig { Host = "http://h:8000/", Token = "saved" });
        Assert.Equal("saved", ConnectionResolver.ForHost("h:8000", null, Env, _file).GetToken());
        Assert.Throws<RiverNotConnectedException>(() => ConnectionResolver.ForHost("elsewhere", null, Env, _file));
        _env[ConnectionResolver.TokenVariable] = "from-env";
        Assert.Equal("from-env", ConnectionResolver.ForHost("elsewhere", null, Env, _file).GetToken());
    }

    [Fact]
    public void The_config_file_round_trips_is_private_to_its_owner_and_reports_damage()
    {
        Assert.Null(_file.Load());
        _file.Save(new ClientConfig { Host = "http://h:8000/", Token = "secret" });
        var back = _file.Load()!;
        Assert.Equal(("http://h:8000/", "secret"), (back.Host, back.Token));
        Assert.Contains("\"token\"", File.ReadAllText(_file.Path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_file.Path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        File.WriteAllText(_file.Path, "{ not json");
        Assert.Throws<ClientConfigException>(() => _file.Load());
        Assert.True(_file.Delete());
        Assert.False(_file.Delete());
    }

    [Fact]
    public void The_config_file_lives_where_the_environment_says()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal("/custom/c.json", ClientConfigFile.DefaultPath(n => n == ClientConfigFile.PathVariable ? "/custom/c.json" : null));
        Assert.Equal("/xdg/kohakuriver/client.json", ClientConfigFile.DefaultPath(n => n == "XDG_CONFIG_HOME" ? "/xdg" : null));
        Assert.Equal("/home/u/.config/kohakuriver/client.json", ClientConfigFile.DefaultPath(n => n == "HOME" ? "/home/u" : null));
    }

    [Fact]
    public void The_token_is_not_a_property_and_its_hint_does_not_reveal_it()
    {
        var c = new RiverClusterConnection(new Uri("http://h:8000/"), "abcdefghijklmnop", RiverConnectionSource.Session);
        Assert.DoesNotContain(typeof(RiverClusterConnection).GetProperties(), p => p.Name.Contains("Token") && p.Name != nameof(c.TokenHint));
        Assert.Equal("abcd…op", c.TokenHint);
        Assert.Equal("********", new RiverClusterConnection(new Uri("http://h/"), "12345678", RiverConnectionSource.Session).TokenHint);
    }

    [Fact]
    public void One_client_per_host_and_token()
    {
        var made = 0;
        var pool = new RiverClientPool((uri, token) =>
        {
            made++;
            return new RiverClient(uri, token, new FakeHost());
        });
        var a = new RiverClusterConnection(new Uri("http://h:8000/"), "t1", RiverConnectionSource.Session);
        var aAgain = new RiverClusterConnection(new Uri("http://H:8000/"), "t1", RiverConnectionSource.Environment);
        var b = new RiverClusterConnection(new Uri("http://h:8000/"), "t2", RiverConnectionSource.Session);
        Assert.Same(pool.Get(a), pool.Get(aAgain));
        Assert.NotSame(pool.Get(a), pool.Get(b));
        Assert.Equal(2, made);
    }

    private static (RiverConnectionSource, string, string) Describe(RiverClusterConnection c) => (c.Source, c.Uri.ToString(), c.GetToken());
}
