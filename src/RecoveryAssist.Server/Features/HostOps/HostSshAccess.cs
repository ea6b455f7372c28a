using System.Security.Cryptography;
using System.Text;
using LiteDB;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.HostOps;

internal enum SshAuthKind
{
    Password,
    PrivateKey,
}

/// <summary>How the appliance reaches one host over SSH: the credential sealed, and the pinned host key.</summary>
internal sealed class HostSshRecord
{
    /// <summary>The host's id: one record per host.</summary>
    public Guid Id { get; set; }

    public string UserName { get; set; } = "root";

    public int Port { get; set; } = 22;

    /// <summary>Overrides the host's management address (then its name) as the address to connect to.</summary>
    public string? Address { get; set; }

    public SshAuthKind Auth { get; set; }

    /// <summary>The password or the private key (PEM), sealed like recovery keys and bound to the host.</summary>
    public SealedKey Secret { get; set; } = new();

    /// <summary>SHA256 fingerprint of the host key (base64, no padding), recorded on first contact.</summary>
    public string? PinnedFingerprint { get; set; }

    public DateTime? PinnedAt { get; set; }

    /// <summary>When a collection last read the host's facts (boot.cfg, platform, NICs, version).</summary>
    public DateTime? FactsCollected { get; set; }

    public DateTime Updated { get; set; }
}

/// <summary>An unsealed credential, only in memory while a connection is made. Prints redacted.</summary>
internal sealed class SshCredential(SshAuthKind kind, string secret)
{
    public SshAuthKind Kind { get; } = kind;

    public string Reveal() => secret;

    public override string ToString() => $"SshCredential {{ Kind = {Kind}, Secret = [redacted] }}";
}

/// <summary>Everything a connection needs. Prints without the credential.</summary>
internal sealed record SshTarget(Guid HostId, string HostName, string Address, int Port, string UserName, SshCredential Credential, string? PinnedFingerprint)
{
    public override string ToString() => $"{UserName}@{Address}:{Port} (host {HostName})";
}

/// <summary>What the API takes to set a host's SSH access. The secret travels only in the body.</summary>
internal sealed record SshAccessInput(string? UserName, int? Port, string? Address, string? Password, string? PrivateKey)
{
    public override string ToString() => $"SshAccessInput {{ UserName = {UserName}, Port = {Port}, Address = {Address}, Secret = [redacted] }}";
}

internal sealed record SshAccessView(Guid HostId, string UserName, int Port, string? Address, SshAuthKind Auth, string? PinnedFingerprint, DateTime? PinnedAt, DateTime Updated)
{
    public static SshAccessView From(HostSshRecord r) => new(r.Id, r.UserName, r.Port, r.Address, r.Auth, r.PinnedFingerprint, r.PinnedAt, r.Updated);
}

internal sealed record RepinInput(string? Fingerprint);

/// <summary>
/// Host SSH access: credentials sealed at rest under the KEK (AES-256-GCM, bound to the host), and
/// host-key pinning (trust on first contact; a mismatch is refused; re-pinning is an audited admin action).
/// </summary>
internal sealed class HostSshAccess
{
    public const string Collection = "host_ssh";
    public const int MaxSecretLength = 16 * 1024;

    private readonly AppDatabase _database;
    private readonly KeyEncryptionKey _kek;
    private readonly AuditLog _audit;
    private readonly EscrowService _escrow;
    private readonly TimeProvider _time;

    public HostSshAccess(AppDatabase database, KeyEncryptionKey kek, AuditLog audit, EscrowService escrow, TimeProvider time)
    {
        _database = database;
        _kek = kek;
        _audit = audit;
        _escrow = escrow;
        _time = time;
    }

    private ILiteCollection<HostSshRecord> Records => _database.Collection<HostSshRecord>(Collection);

    public HostSshRecord? Find(Guid hostId) => Records.FindById(hostId);

    /// <summary>Every host that has SSH access.</summary>
    public IReadOnlyList<Guid> HostIds() => Records.FindAll().Select(r => r.Id).ToList();

    public HostSshRecord Set(Guid hostId, SshAccessInput input, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<string>();
        var userName = string.IsNullOrWhiteSpace(input.UserName) ? "root" : input.UserName.Trim();
        if (userName.Length > 64 || userName.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            errors.Add("userName may hold only letters, digits, '-', '_' and '.' (at most 64)");
        var port = input.Port ?? 22;
        if (port is < 1 or > 65535)
            errors.Add("port must be between 1 and 65535");
        var address = string.IsNullOrWhiteSpace(input.Address) ? null : input.Address.Trim();
        if (address is not null && !System.Net.IPAddress.TryParse(address, out _) && HostIdentity.DescribeInvalidName(address) is not null)
            errors.Add("address is neither an IP address nor a host name");
        var hasPassword = !string.IsNullOrEmpty(input.Password);
        var hasKey = !string.IsNullOrWhiteSpace(input.PrivateKey);
        if (hasPassword == hasKey)
            errors.Add("give exactly one of password or privateKey");
        var secret = hasPassword ? input.Password! : input.PrivateKey ?? "";
        if (secret.Length > MaxSecretLength)
            errors.Add($"the secret is longer than {MaxSecretLength} characters");
        if (hasKey && !IsUsablePrivateKey(secret))
            errors.Add("privateKey must be an unencrypted PEM or OpenSSH private key that SSH.NET can read");
        if (errors.Count > 0)
            throw ProblemException.BadRequest("invalid-ssh-access", string.Join("; ", errors) + ".");

        return _database.Write(() =>
        {
            var host = _escrow.GetHost(hostId);
            var existing = Records.FindById(hostId);
            var record = new HostSshRecord
            {
                Id = hostId,
                UserName = userName,
                Port = port,
                Address = address,
                Auth = hasPassword ? SshAuthKind.Password : SshAuthKind.PrivateKey,
                Secret = Seal(hostId, secret),
                // New credentials do not change who the host is: the pin stays.
                PinnedFingerprint = existing?.PinnedFingerprint,
                PinnedAt = existing?.PinnedAt,
                FactsCollected = existing?.FactsCollected,
                Updated = Now(),
            };
            Records.Upsert(record);
            _audit.Append(new AuditEntry(actor.Name, "host.ssh-access-set", EscrowService.Target(host), AuditEntry.Success, actor.ClientAddress,
                $"user {userName}; port {port}; auth {record.Auth}"));
            return record;
        });
    }

    /// <summary>The connection target with the credential unsealed, or null when the host has no SSH access set.</summary>
    public SshTarget? Target(Guid hostId)
    {
        var record = Records.FindById(hostId);
        if (record is null)
            return null;
        var host = _escrow.GetHost(hostId);
        var address = record.Address ?? host.ManagementAddress ?? host.Name;
        return new SshTarget(hostId, host.Name, address, record.Port, record.UserName, new SshCredential(record.Auth, Open(hostId, record.Secret)), record.PinnedFingerprint);
    }

    /// <summary>First contact: records the host key the host presented. Does nothing when a pin exists.</summary>
    public void PinOnFirstContact(Guid hostId, string fingerprint) => _database.Write(() =>
    {
        var record = Records.FindById(hostId);
        if (record is null || record.PinnedFingerprint is not null)
            return;
        record.PinnedFingerprint = fingerprint;
        record.PinnedAt = Now();
        Records.Update(record);
        _audit.Append(new AuditEntry(Actor.System.Name, "host.key-pinned", EscrowService.Target(_escrow.GetHost(hostId)), AuditEntry.Success, null,
            $"first contact; SHA256:{fingerprint}"));
    });

    public void MarkFactsCollected(Guid hostId) => _database.Write(() =>
    {
        if (Records.FindById(hostId) is { } record)
        {
            record.FactsCollected = Now();
            Records.Update(record);
        }
    });

    /// <summary>
    /// Admin action after a host's key legitimately changed (reinstall): pins the given fingerprint, or clears
    /// the pin so that the next contact records it.
    /// </summary>
    public HostSshRecord Repin(Guid hostId, string? fingerprint, Actor actor)
    {
        var normalized = NormalizeFingerprint(fingerprint);
        if (fingerprint is not null && normalized is null)
            throw ProblemException.BadRequest("invalid-fingerprint", "fingerprint: expected SHA256:<43 base64 characters> as ssh-keygen -lf prints it.");
        return _database.Write(() =>
        {
            var host = _escrow.GetHost(hostId);
            var record = Records.FindById(hostId) ?? throw ProblemException.NotFound("The host's SSH access");
            var previous = record.PinnedFingerprint;
            record.PinnedFingerprint = normalized;
            record.PinnedAt = normalized is null ? null : Now();
            Records.Update(record);
            _audit.Append(new AuditEntry(actor.Name, "host.key-repinned", EscrowService.Target(host), AuditEntry.Success, actor.ClientAddress,
                $"was {(previous is null ? "unpinned" : "SHA256:" + previous)}; now {(normalized is null ? "pinned at next contact" : "SHA256:" + normalized)}"));
            return record;
        });
    }

    private static bool IsUsablePrivateKey(string pem)
    {
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(pem));
            using var key = new Renci.SshNet.PrivateKeyFile(stream);
            return true;
        }
        catch (Exception e) when (e is Renci.SshNet.Common.SshException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Accepts <c>SHA256:xxxx</c> or the bare base64 (43 characters, no padding).</summary>
    public static string? NormalizeFingerprint(string? fingerprint)
    {
        if (fingerprint is null)
            return null;
        var text = fingerprint.Trim();
        if (text.StartsWith("SHA256:", StringComparison.Ordinal))
            text = text["SHA256:".Length..];
        text = text.TrimEnd('=');
        return text.Length == 43 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/') ? text : null;
    }

    private SealedKey Seal(Guid hostId, string secret)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var plaintext = Encoding.UTF8.GetBytes(secret);
        try
        {
            return new SealedKey { KekId = _kek.Id, WrappedDataKey = _kek.Wrap(dataKey), Ciphertext = Aead.Seal(dataKey, plaintext, Binding(hostId)) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private string Open(Guid hostId, SealedKey sealedKey)
    {
        if (sealedKey.KekId != _kek.Id)
            throw new CryptographicException($"The host credential was sealed under KEK {sealedKey.KekId}, not the loaded KEK {_kek.Id}.");
        var dataKey = _kek.Unwrap(sealedKey.WrappedDataKey);
        try
        {
            var plaintext = Aead.Open(dataKey, sealedKey.Ciphertext, Binding(hostId));
            try
            {
                return Encoding.UTF8.GetString(plaintext);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static byte[] Binding(Guid hostId) => Encoding.ASCII.GetBytes($"host-ssh-credential|{hostId:N}");

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());
}
