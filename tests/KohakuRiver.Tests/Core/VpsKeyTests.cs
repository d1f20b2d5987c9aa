using KohakuRiver.Core.Files;
using KohakuRiver.Core.Ssh;
using KohakuRiver.Core.Vps;
using KohakuRiver.Tests.Host;
using Xunit;

namespace KohakuRiver.Tests.Core;

public sealed class VpsKeyTests
{
    // A real ed25519 public key made with ssh-keygen for these tests; its private half was thrown away.
    internal const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPC4pcE0e9HCTOlHqp7pt4TOxCschqmppVnTyCB+Na4W me@laptop";

    private static readonly Lazy<SshKeyPair> Rsa = new(() => SshKeyPair.Generate("kohakuriver-test"));

    [Fact]
    public void With_no_key_option_id_ed25519_pub_is_used_before_id_rsa_pub_and_its_private_key_is_noted()
    {
        using var home = new TempDir();
        var ssh = home.Combine(".ssh");
        Directory.CreateDirectory(ssh);
        File.WriteAllText(Path.Combine(ssh, "id_rsa.pub"), Rsa.Value.PublicKeyOpenSsh + "\n");
        Assert.Equal(Path.Combine(ssh, "id_rsa.pub"), VpsKeyPlan.FromDefault(ssh).PublicKeyPath);

        File.WriteAllText(Path.Combine(ssh, "id_ed25519.pub"), "# my laptop\n\n" + Ed25519 + "\n");
        File.WriteAllText(Path.Combine(ssh, "id_ed25519"), "not read");
        var plan = VpsKeyPlan.FromDefault(ssh);

        Assert.Equal(VpsKeySource.DefaultPublicKey, plan.Source);
        Assert.Equal("upload", plan.SshKeyMode);
        Assert.Equal(Ed25519, plan.PublicKey);
        Assert.Equal(Path.Combine(ssh, "id_ed25519"), plan.IdentityFile);
        Assert.Contains("id_ed25519.pub", plan.Description);
    }

    [Fact]
    public void With_no_key_option_and_no_default_key_the_error_names_the_files_it_looked_for()
    {
        using var home = new TempDir();
        var e = Assert.Throws<SshPublicKeyNotFoundException>(() => VpsKeyPlan.FromDefault(home.Combine(".ssh")));
        Assert.Contains("id_ed25519.pub", e.Message);
        Assert.Contains("id_rsa.pub", e.Message);
    }

    [Fact]
    public void A_key_file_that_holds_a_private_key_or_no_key_is_refused_with_its_path()
    {
        using var dir = new TempDir();
        var priv = dir.Combine("key");
        File.WriteAllText(priv, Rsa.Value.PrivateKeyPem);
        Assert.Contains("holds a private key", Assert.Throws<FormatException>(() => VpsKeyPlan.FromFile(priv)).Message);

        var empty = dir.Combine("empty.pub");
        File.WriteAllText(empty, "# nothing\n\n");
        Assert.Contains("holds no public key", Assert.Throws<FormatException>(() => VpsKeyPlan.FromFile(empty)).Message);

        var options = dir.Combine("options.pub");
        File.WriteAllText(options, "command=\"sh\" " + Ed25519);
        Assert.Contains(options, Assert.Throws<FormatException>(() => VpsKeyPlan.FromFile(options)).Message);

        Assert.Throws<FileNotFoundException>(() => VpsKeyPlan.FromFile(dir.Combine("missing.pub")));
    }

    [Fact]
    public void A_key_given_as_text_is_trimmed_and_checked()
    {
        Assert.Equal(Ed25519, VpsKeyPlan.FromText("  " + Ed25519 + "\r\n").PublicKey);
        Assert.Throws<FormatException>(() => VpsKeyPlan.FromText("ssh-dss AAAA"));
        Assert.Throws<FormatException>(() => VpsKeyPlan.FromText(Ed25519 + "\n" + Ed25519));
        Assert.Equal(("disabled", (string?)null), (VpsKeyPlan.NoSsh().SshKeyMode, VpsKeyPlan.NoSsh().PublicKey));
    }

    [Fact]
    public void A_generated_key_is_staged_owner_only_and_renamed_to_the_VPS_id_once_it_exists()
    {
        using var dir = new TempDir();
        var keys = dir.Combine("ssh", "kohakuriver");

        string final;
        using (var staged = GeneratedKeyFile.Stage(Rsa.Value, keys))
        {
            Assert.StartsWith(Path.Combine(keys, ".vps-pending-"), staged.Path);
            Assert.Equal(Rsa.Value.PrivateKeyPem, File.ReadAllText(staged.Path));
            Assert.Equal(Rsa.Value.PublicKeyOpenSsh, staged.PublicKey);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(staged.Path));
                Assert.Equal(OwnerOnlyFile.DirectoryMode, File.GetUnixFileMode(keys));
            }
            final = staged.Complete(7205759403792793700);
            Assert.Equal(final, staged.Complete(7205759403792793700));
        }

        Assert.Equal(Path.Combine(keys, "vps-7205759403792793700"), final);
        Assert.Equal(Rsa.Value.PrivateKeyPem, File.ReadAllText(final));
        Assert.Equal(Rsa.Value.PublicKeyOpenSsh + "\n", File.ReadAllText(final + ".pub"));
        Assert.Equal([final, final + ".pub"], Directory.GetFiles(keys).Order());
        Assert.Equal(final, VpsKeyFiles.ExistingIdentityFile(keys, 7205759403792793700));
        Assert.Null(VpsKeyFiles.ExistingIdentityFile(keys, 1));
    }

    [Fact]
    public void A_staged_key_the_VPS_never_got_is_deleted_and_a_chosen_path_is_never_overwritten()
    {
        using var dir = new TempDir();
        using (GeneratedKeyFile.Stage(Rsa.Value, dir.Path))
        {
        }
        Assert.Empty(Directory.GetFiles(dir.Path));

        var chosen = dir.Combine("mykey");
        File.WriteAllText(chosen, "precious");
        Assert.Throws<IOException>(() => GeneratedKeyFile.Stage(Rsa.Value, dir.Path, chosen));
        Assert.Equal("precious", File.ReadAllText(chosen));
        Assert.False(File.Exists(chosen + ".pub"));

        var other = dir.Combine("sub", "other");
        using (var staged = GeneratedKeyFile.Stage(Rsa.Value, dir.Path, other))
            Assert.Equal(other, staged.Complete(42));
        Assert.True(File.Exists(other) && File.Exists(other + ".pub"));
    }

    [Fact]
    public void Owner_only_writes_replace_whole_files_and_skip_unchanged_content()
    {
        using var dir = new TempDir();
        var path = dir.Combine("tokens", "t");
        OwnerOnlyFile.EnsureDirectory(Path.GetDirectoryName(path)!);
        Assert.True(OwnerOnlyFile.WriteIfChanged(path, "a\n"));
        Assert.False(OwnerOnlyFile.WriteIfChanged(path, "a\n"));
        Assert.True(OwnerOnlyFile.WriteIfChanged(path, "b\n"));
        Assert.Equal("b\n", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            // A file someone made readable by others is rewritten owner-only even when its content is right.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            Assert.True(OwnerOnlyFile.WriteIfChanged(path, "b\n"));
            Assert.True(OwnerOnlyFile.IsOwnerOnly(path));
        }
        Assert.Equal(["t"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }
}
