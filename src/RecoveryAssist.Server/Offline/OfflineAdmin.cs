using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Offline;

/// <summary>
/// Administration on the data directory while the appliance is stopped (the store is opened
/// exclusively): the <c>recoveryassist admin</c> and <c>audit verify</c> commands.
/// </summary>
internal static class OfflineAdmin
{
    private static readonly Actor OfflineActor = new("offline-admin", null);

    /// <summary>Creates an administrator with a one-time password (returned, to be shown once).</summary>
    public static string CreateAdmin(string dataDirectory, string? kekFile, string userName)
    {
        using var store = Open(dataDirectory, kekFile);
        var users = Users(store);
        var (_, password) = users.Create(userName, Role.Admin, null, OfflineActor);
        return password!;
    }

    /// <summary>Checks the audit chain; returns the record count and the first problem, or null when intact.</summary>
    /// <param name="copyFile">The audit sink's JSON-lines copy to compare the store with, or null.</param>
    /// <exception cref="StoreOpenException">The store cannot be opened, or its pages cannot be read (damaged).</exception>
    public static (long Records, string? FirstProblem) VerifyAudit(string dataDirectory, string? kekFile, string? copyFile = null)
    {
        using var store = Open(dataDirectory, kekFile);
        var audit = store.CreateAuditLog(TimeProvider.System);
        try
        {
            var problem = audit.Verify();
            if (problem is null && copyFile is not null)
            {
                var records = audit.Read(0, int.MaxValue).ToDictionary(r => r.Id);
                problem = AuditCopy.Compare(records, File.ReadLines(copyFile));
            }
            return (audit.Count, problem);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or IOException))
        {
            // LiteDB reports a damaged page with an exception of its own (or worse, from the BSON reader).
            throw new StoreDamagedException($"The store in {dataDirectory} is damaged: its audit records cannot be read ({e.GetType().Name}: {FirstLine(e.Message)}).");
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>
    /// Replaces the key-encryption key. The store is copied into a new file encrypted under the new
    /// KEK's password, with every data key re-wrapped and the rotation audited there; the old file
    /// is untouched until the new one replaces it. The new KEK is written first beside the old one
    /// (<c>.pending</c>) and promoted last, so a crash at any point leaves a store that opens: the
    /// old file with the old KEK, or the new file with the pending KEK (<see cref="AppStore.Open"/>
    /// promotes it).
    /// </summary>
    /// <returns>The number of key versions re-wrapped, and the old and new KEK ids.</returns>
    public static (int KeyVersions, string OldKekId, string NewKekId) RotateKek(string dataDirectory, string? kekFile)
    {
        if (Environment.GetEnvironmentVariable(KeyEncryptionKey.EnvironmentVariable) is { Length: > 0 })
            throw new InvalidOperationException($"The KEK comes from {KeyEncryptionKey.EnvironmentVariable}: unset it to rotate a file KEK.");
        var file = ResolveKekFile(dataDirectory, kekFile);
        var pending = AppStore.PendingKekFile(file);
        var rekeyDirectory = Path.Combine(dataDirectory, "rekey");
        if (Directory.Exists(rekeyDirectory))
            Directory.Delete(rekeyDirectory, recursive: true);

        string oldId;
        int count;
        using var newKek = KeyEncryptionKey.Create();
        using (var store = Open(dataDirectory, kekFile))
        using (var target = new AppDatabase(rekeyDirectory, newKek.DeriveDatabasePassword()))
        {
            oldId = store.Kek.Id;
            newKek.WriteTo(pending);
            var rewrapped = 0;
            store.Database.CopyTo(target, (collection, document) =>
            {
                if (collection == Features.HostOps.HostSshAccess.Collection)
                {
                    // Host SSH credentials are sealed the same way: re-wrap them too, or they would not open.
                    var access = store.Database.Mapper.ToObject<Features.HostOps.HostSshRecord>(document);
                    access.Secret = KeySealer.Rewrap(access.Secret, store.Kek, newKek);
                    return store.Database.Mapper.ToDocument(access);
                }
                if (collection == Features.Alerts.Delivery.AlertDelivery.ChannelsCollection)
                {
                    // Notification channels' secrets (webhook keys, SMTP passwords) too.
                    var channel = store.Database.Mapper.ToObject<Features.Alerts.Delivery.AlertChannelRecord>(document);
                    if (channel.Secret is { } secret)
                        channel.Secret = KeySealer.Rewrap(secret, store.Kek, newKek);
                    return store.Database.Mapper.ToDocument(channel);
                }
                if (collection == Features.Auth.UserService.UsersCollection)
                {
                    // People's TOTP secrets too.
                    var user = store.Database.Mapper.ToObject<Features.Auth.UserRecord>(document);
                    if (user.TotpSecret is { } totp)
                        user.TotpSecret = KeySealer.Rewrap(totp, store.Kek, newKek);
                    return store.Database.Mapper.ToDocument(user);
                }
                if (collection != EscrowService.KeysCollection)
                    return document;
                var version = store.Database.Mapper.ToObject<KeyVersionRecord>(document);
                version.Sealed = KeySealer.Rewrap(version.Sealed, store.Kek, newKek);
                rewrapped++;
                return store.Database.Mapper.ToDocument(version);
            });
            count = rewrapped;
            // Appending under the new KEK also re-seals the audit head with the new head key.
            new AuditLog(target, newKek, TimeProvider.System).Append(new AuditEntry(OfflineActor.Name, "kek.rotated", "store", AuditEntry.Success, null,
                $"KEK {oldId} -> {newKek.Id}; {count} key versions re-wrapped"));
        }
        File.Move(Path.Combine(rekeyDirectory, AppDatabase.FileName), Path.Combine(dataDirectory, AppDatabase.FileName), overwrite: true);
        File.Move(pending, file, overwrite: true);
        Directory.Delete(rekeyDirectory, recursive: true);
        // The cookie keys were sealed under the old KEK: drop them (everyone signs in again; new keys are made at start).
        var cookieKeys = Path.Combine(dataDirectory, Hosting.AppHost.CookieKeysDirectory);
        if (Directory.Exists(cookieKeys))
            Directory.Delete(cookieKeys, recursive: true);
        return (count, oldId, newKek.Id);
    }

    private static string ResolveKekFile(string dataDirectory, string? kekFile) =>
        kekFile ?? new AppOptions { DataDirectory = dataDirectory }.ResolveKekFile();

    private static AppStore Open(string dataDirectory, string? kekFile)
    {
        if (!File.Exists(Path.Combine(dataDirectory, AppDatabase.FileName)))
            throw new StoreOpenException($"There is no RecoveryAssist store in {dataDirectory}.");
        return AppStore.Open(dataDirectory, ResolveKekFile(dataDirectory, kekFile));
    }

    private static UserService Users(AppStore store)
    {
        var auth = Microsoft.Extensions.Options.Options.Create(new Features.Auth.AuthOptions());
        var app = Microsoft.Extensions.Options.Options.Create(new AppOptions { DataDirectory = store.DataDirectory });
        var audit = store.CreateAuditLog(TimeProvider.System);
        return new(store.Database, audit, TimeProvider.System,
            new Features.Auth.SignInThrottle(auth, app, TimeProvider.System), new Features.Auth.SignInSessions(store.Database, TimeProvider.System, auth), app,
            new Features.Auth.TotpService(store.Database, audit, new KeySealer(store.Kek), TimeProvider.System, auth));
    }
}
