using KohakuRiver.Core.Ssh;
using Xunit;

namespace KohakuRiver.Tests.Ssh;

public sealed class SshKeyPairTests
{
    // Made with ssh-keygen 9.2 (the public halves only).
    private const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINSLL9sgFrNageQpuOY1RkvlwWRzDPOp/RQ5qjEPlHtl alice@laptop";
    private const string Ecdsa384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBBapqHMukFVtuyPfEDWaC4NM03SMof8mhprOgEC6pjLx2Wt1MqinRU4Xdhskf8IDkM9Rhn7Pvbru2vyJhnKIq9Pmd1pz1VYakbcP6wvSXlEBvbQXObWf6URoqdgEei+R2Q==";

    [Fact]
    public async Task A_generated_pair_is_read_by_the_real_ssh_keygen()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        var pair = SshKeyPair.Generate("river-test");
        var dir = ProcessRunner.TempDir();
        try
        {
            var privatePath = ProcessRunner.WritePrivate(Path.Combine(dir, "id_rsa"), pair.PrivateKeyPem);
            var publicPath = Path.Combine(dir, "id_rsa.pub");
            File.WriteAllText(publicPath, pair.PublicKeyOpenSsh + "\n");

            // -y derives the public key from the private file: same type and key blob means both halves agree
            // and the PEM is one OpenSSH can load.
            var derived = await ProcessRunner.RunAsync("ssh-keygen", ["-y", "-f", privatePath], cts.Token);
            Assert.True(derived.ExitCode == 0, derived.ToString());
            Assert.Equal(TypeAndBlob(pair.PublicKeyOpenSsh), TypeAndBlob(derived.Stdout.Trim()));

            var listed = await ProcessRunner.RunAsync("ssh-keygen", ["-l", "-f", publicPath], cts.Token);
            Assert.True(listed.ExitCode == 0, listed.ToString());
            Assert.Equal($"3072 {pair.FingerprintSha256} river-test (RSA)", listed.Stdout.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_generated_pair_has_the_expected_shapes()
    {
        var pair = SshKeyPair.Generate();

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----\n", pair.PrivateKeyPem);
        Assert.EndsWith("-----END RSA PRIVATE KEY-----\n", pair.PrivateKeyPem);
        Assert.Matches(@"^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/]+=* kohakuriver\z", pair.PublicKeyOpenSsh);
        Assert.True(SshKeyPair.IsValidPublicKey(pair.PublicKeyOpenSsh, out var error), error);
        Assert.NotEqual(pair.PublicKeyOpenSsh, SshKeyPair.Generate().PublicKeyOpenSsh);
    }

    [Fact]
    public void A_comment_with_a_line_break_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SshKeyPair.Generate("a\nssh-rsa AAAA evil"));
    }

    [Theory]
    [InlineData(Ed25519)]
    [InlineData(Ecdsa384)]
    [InlineData(Ecdsa384 + " ")]
    [InlineData(Ed25519 + " with spaces in the comment")]
    public void Real_public_keys_are_accepted(string line)
    {
        Assert.True(SshKeyPair.IsValidPublicKey(line, out var error), error);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("command=\"/bin/evil\" " + Ed25519, "options")]
    [InlineData("no-pty,from=\"10.0.0.1\" " + Ed25519, "options")]
    [InlineData(Ed25519 + "\n" + Ecdsa384, "single line")]
    [InlineData(Ed25519 + "\n", "single line")]
    [InlineData(Ed25519 + "\r", "single line")]
    [InlineData("ssh-ed25519\tAAAAC3NzaC1lZDI1NTE5AAAAINSLL9sgFrNageQpuOY1RkvlwWRzDPOp/RQ5qjEPlHtl", "single line")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "unsupported key type 'ssh-dss'")]
    [InlineData("ssh-ed25519", "followed by one space")]
    [InlineData("ssh-ed25519 ", "followed by one space")]
    [InlineData("ssh-ed25519 not*base64", "not valid base64")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAINSLL9sgFrNageQpuOY1RkvlwWRzDPOp/RQ5qjEPlHtl", "does not match the key type 'ssh-rsa'")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "holds no key")]
    [InlineData("ssh-ed25519 AAAA/w==", "truncated")]
    [InlineData("ssh-ed25519 AAA=", "too short")]
    public void Anything_but_one_plain_key_is_refused_with_a_reason(string line, string reasonPart)
    {
        Assert.False(SshKeyPair.IsValidPublicKey(line, out var error));
        Assert.Contains(reasonPart, error);
    }

    [Fact]
    public void An_overlong_line_is_refused()
    {
        Assert.False(SshKeyPair.IsValidPublicKey("ssh-rsa " + new string('A', 20000), out var error));
        Assert.Contains("longer than", error);
    }

    private static string TypeAndBlob(string line) => string.Join(' ', line.Split(' ').Take(2));
}
