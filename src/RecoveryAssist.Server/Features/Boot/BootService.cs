using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiteDB;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Boot;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>What a one-time boot.cfg fetch gets: the text, or a refusal (status and a short reason without secrets).</summary>
internal sealed record BootCfgResult(int Status, string? Text, string Reason)
{
    public override string ToString() => $"BootCfgResult {{ Status = {Status}, Reason = {Reason} }}";
}

internal sealed record ArmRequest(string? Image = null, string? Mac = null, string? Uuid = null, string? Serial = null);

internal sealed record ArmingView(Guid SessionId, string Host, string Image, IReadOnlyList<string> Macs, string? SmbiosUuid, string? Serial, string Status, DateTime Armed, string ArmedBy, DateTime? Served, string? ServedTo, int UrlsIssued)
{
    public static ArmingView From(ArmingRecord a) => new(a.Id, a.HostName, a.ImageId, a.Macs, a.SmbiosUuid, a.Serial,
        a.Status.ToString().ToLowerInvariant(), a.Armed, a.ArmedBy, a.Served, a.ServedTo, a.Tokens.Count);
}

internal sealed record CheckInView(string Mac, string? SmbiosUuid, string? Serial, string Platform, string Arch, string? ClientAddress, DateTime FirstSeen, DateTime LastSeen, int Boots, Guid? BoundHostId, string? BoundBy, DateTime? Bound)
{
    public static CheckInView From(CheckInRecord c) => new(c.Id, c.SmbiosUuid, c.Serial, c.Platform, c.Arch, c.ClientAddress, c.FirstSeen, c.LastSeen, c.Boots, c.BoundHostId, c.BoundBy, c.Bound);
}

internal sealed record BindRequest(Guid? HostId = null, string? Host = null);

/// <summary>
/// The network boot flow: decides, per booting machine, between local disk and the recovery menu;
/// records check-ins of unknown machines; arms sessions; and serves the one-time boot.cfg that
/// carries the key. Every change is written with its audit record in one transaction.
/// </summary>
internal sealed partial class BootService
{
    public const string CheckInsCollection = "pxe_checkins";
    public const string ArmingsCollection = "pxe_armings";
    public const int TokenBytes = 32;

    private readonly AppDatabase _database;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly BootOptions _options;
    private readonly BootScripts _scripts;
    private readonly HostDirectory _hosts;
    private readonly BootImages _images;
    private readonly IArmableSessions _sessions;
    private readonly ILogger<BootService> _logger;
    private readonly AnonymousEvents _events;
    // Active armings, by session: the per-machine script checks these before the host table.
    private readonly ConcurrentDictionary<Guid, ArmingRecord> _active = new();

    public BootService(
        AppDatabase database, AuditLog audit, TimeProvider time, IOptions<BootOptions> options, BootScripts scripts,
        HostDirectory hosts, BootImages images, IArmableSessions sessions, AnonymousEvents events, ILogger<BootService> logger)
    {
        _events = events;
        _database = database;
        _audit = audit;
        _time = time;
        _options = options.Value;
        _scripts = scripts;
        _hosts = hosts;
        _images = images;
        _sessions = sessions;
        _logger = logger;
        Armings.EnsureIndex("TokenHash", "$.Tokens[*].Hash");
        Armings.EnsureIndex(a => a.Status);
        CheckIns.EnsureIndex(c => c.LastSeen);
        foreach (var arming in Armings.Find(a => a.Status == ArmingStatus.Active))
            _active[arming.Id] = arming;
    }

    private ILiteCollection<CheckInRecord> CheckIns => _database.Collection<CheckInRecord>(CheckInsCollection);

    private ILiteCollection<ArmingRecord> Armings => _database.Collection<ArmingRecord>(ArmingsCollection);

    // The escrow owns host records: read and written through its narrow store, never its collection.
    private HostStore Hosts => new(_database);

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());

    /// <summary>The per-machine script, rendered whole. Never throws for bad input: a harmless local boot instead.</summary>
    /// <param name="baseUrl">The appliance's URL as this client reaches it, without a trailing '/'.</param>
    public byte[] Script(string? mac, string? uuid, string? serial, string? platform, string? arch, string? client, string baseUrl)
    {
        var identity = MachineIdentity.Parse(mac, uuid, serial, platform, arch, out var problem);
        if (identity is null)
        {
            LogInvalidRequest(_logger, client, problem!);
            return _scripts.LocalBytes(platform switch { "efi" => BootPlatform.Efi, "pcbios" => BootPlatform.Pcbios, _ => null }, LocalBootStatus.InvalidRequest);
        }
        if (!_active.IsEmpty)
        {
            foreach (var arming in _active.Values)
            {
                if (arming.Matches(identity))
                    return ArmedScript(arming, identity, client, baseUrl);
            }
        }
        var hosts = _hosts.Match(identity);
        switch (hosts.Count)
        {
            case 1:
                return _scripts.LocalBytes(identity.Platform, LocalBootStatus.NotArmed);
            case 0:
                CheckIn(identity, client);
                return _scripts.LocalBytes(identity.Platform, LocalBootStatus.UnknownMachine);
            default:
                LogIdentityConflict(_logger, identity.ToString(), string.Join(", ", hosts.Select(h => h.Name)));
                CheckIn(identity, client);
                return _scripts.LocalBytes(identity.Platform, LocalBootStatus.IdentityConflict);
        }
    }

    private byte[] ArmedScript(ArmingRecord arming, MachineIdentity identity, string? client, string baseUrl)
    {
        var session = _sessions.Find(arming.Id);
        var image = _images.Find(arming.ImageId);
        if (session is not { IsArmed: true } || image is null)
        {
            Withdraw(arming, session is null ? "session not found" : !session.IsArmed ? "session no longer armed" : "image no longer registered");
            return _scripts.LocalBytes(identity.Platform, LocalBootStatus.NotArmed);
        }
        var loader = identity.Platform == BootPlatform.Efi ? image.EfiLoader : image.BiosLoader;
        if (loader is null)
        {
            LogNoLoader(_logger, arming.Id, image.Id, identity.PlatformName);
            return _scripts.LocalBytes(identity.Platform, LocalBootStatus.ScriptError);
        }
        if (arming.MenuClient is { } owner && !string.Equals(owner, client, StringComparison.Ordinal))
            return RefuseMenu(arming, identity, client);
        if (identity.Platform == BootPlatform.Pcbios && IsCom32(loader))
        {
            LogBiosNotOffered(_logger, arming.Id, image.Id);
            return _scripts.LocalBytes(identity.Platform, LocalBootStatus.BiosNotSupported);
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(TokenBytes));
        var imageBase = $"{baseUrl}/boot/images/{image.Id}/";
        var model = new MenuModel(identity.Platform, arming.HostName, arming.Id, image.Id, imageBase + loader,
            image.Initrd is null ? null : imageBase + image.Initrd, $"{baseUrl}/boot/cfg/{token}/boot.cfg",
            $"{baseUrl}/console/sessions/{arming.Id:D}", _options.MenuTimeoutSeconds);
        string text;
        try
        {
            text = _scripts.Menu(model);
        }
        catch (ScriptValueException e)
        {
            LogRenderFailed(_logger, arming.Id, e.Placeholder, e.Message);
            return _scripts.LocalBytes(identity.Platform, LocalBootStatus.ScriptError);
        }
        var now = Now();
        var taken = false;
        _database.Write(() =>
        {
            var stored = Armings.FindById(arming.Id);
            if (stored is null || stored.Status != ArmingStatus.Active)
                return;
            if (stored.MenuClient is { } first && !string.Equals(first, client, StringComparison.Ordinal))
            {
                taken = true;
                return;
            }
            stored.MenuClient = client;
            foreach (var old in stored.Tokens.Where(t => t.Used is null && t.Superseded is null))
                old.Superseded = now;
            stored.Tokens.Add(new IssuedToken { Hash = Hash(token), Issued = now, Expires = now + _options.TokenLifetime, IssuedTo = client });
            Armings.Update(stored);
            _active[stored.Id] = stored;
            _audit.Append(new AuditEntry("pxe", "boot.menu-served", RecoverySessionService.Target(arming.Id), AuditEntry.Success, client,
                string.Create(CultureInfo.InvariantCulture, $"host {arming.HostName}; {identity}; one-time boot.cfg URL {stored.Tokens.Count} issued, valid until {now + _options.TokenLifetime:O}")));
        });
        if (taken)
            return RefuseMenu(arming, identity, client);
        LogMenuServed(_logger, arming.Id, arming.HostName, client);
        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>
    /// Another address asks for the menu of an arming whose menu already went elsewhere: no URL is issued and the one
    /// issued stays valid. The answer is the plain "not armed" local boot, naming no address.
    /// </summary>
    private byte[] RefuseMenu(ArmingRecord arming, MachineIdentity identity, string? client)
    {
        var admission = _events.Admit("boot.menu-refused", client);
        if (admission.Decision != EventDecision.Count)
        {
            _database.Write(() => _audit.Append(new AuditEntry("pxe", "boot.menu-refused", RecoverySessionService.Target(arming.Id), AuditEntry.Denied, client,
                $"ALERT: host {arming.HostName}; {identity}; recovery menu asked from another address than the one it was first served to; refused, no URL issued" + admission.Suffix(_events.WindowMinutes))));
        }
        LogMenuRefused(_logger, arming.Id, client);
        return _scripts.LocalBytes(identity.Platform, LocalBootStatus.NotArmed);
    }

    /// <summary>A COM32 module (mboot.c32) needs PXELINUX; Debian's iPXE cannot run it.</summary>
    private static bool IsCom32(string loader) => loader.EndsWith(".c32", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Serves the per-session boot.cfg: once, to the client the menu went to, before expiry. Every
    /// fetch is audited with the client address; a second fetch is a 410 and an audit alert.
    /// </summary>
    public BootCfgResult BootCfg(string token, string? client, string baseUrl)
    {
        if (token.Length != 43 || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            return Unknown(client);
        var hash = Hash(token);
        var now = Now();
        ArmingRecord? served = null;
        BootCfgResult? refusal = null;
        _database.Write(() =>
        {
            var arming = Armings.FindOne(BsonExpression.Create("$.Tokens[*].Hash ANY = @0", new BsonValue(hash)));
            var issued = arming?.Tokens.First(t => t.Hash == hash);
            refusal = (arming, issued) switch
            {
                (null, _) or (_, null) => new BootCfgResult(404, null, UnknownReason),
                _ when issued.Used is not null || arming.Status == ArmingStatus.Served => Denied(arming, client, 410, "boot.cfg-replayed",
                    string.Create(CultureInfo.InvariantCulture, $"This one-time boot.cfg was already served (at {arming.Served:O}); a second fetch is refused.")),
                _ when arming.Status != ArmingStatus.Active || _sessions.Find(arming.Id) is not { IsArmed: true } =>
                    Denied(arming, client, 410, "boot.cfg-withdrawn", "The session is no longer armed."),
                _ when issued.Superseded is not null => Denied(arming, client, 410, "boot.cfg-superseded", "A newer menu replaced this boot.cfg URL."),
                _ when now >= issued.Expires => Denied(arming, client, 410, "boot.cfg-expired",
                    string.Create(CultureInfo.InvariantCulture, $"The boot.cfg URL expired at {issued.Expires:O}.")),
                _ when !string.Equals(issued.IssuedTo, client, StringComparison.Ordinal) => Denied(arming, client, 403, "boot.cfg-wrong-client",
                    "The boot.cfg URL was issued to another client."),
                _ => null,
            };
            if (refusal is not null)
                return;
            issued!.Used = now;
            arming!.Status = ArmingStatus.Served;
            arming.Served = now;
            arming.ServedTo = client;
            Armings.Update(arming);
            _active.TryRemove(arming.Id, out _);
            _audit.Append(new AuditEntry("pxe", "boot.cfg-served", RecoverySessionService.Target(arming.Id), AuditEntry.Success, client,
                $"host {arming.HostName}; image {arming.ImageId}; boot.cfg with the recovery key served once"));
            served = arming;
        });
        if (refusal is { Status: 404 })
            return Unknown(client);
        if (refusal is not null)
        {
            if (refusal.Status == 410)
                LogReplay(_logger, client, refusal.Reason);
            return refusal;
        }
        var arming = served!;
        try
        {
            var key = _sessions.RevealForNetworkBoot(arming.Id, new Person("pxe", null, client));
            var host = Hosts.Find(arming.HostId);
            string text;
            using (var file = _images.OpenRead(arming.ImageId, "boot.cfg") ?? throw new FileNotFoundException("The image's boot.cfg is gone or leaves the image directory."))
            using (var reader = new StreamReader(file))
                text = reader.ReadToEnd();
            var config = BootConfig.Parse(text);
            config.Prefix = $"{baseUrl}/boot/images/{arming.ImageId}";
            // Paths are made relative so that mboot reads them under prefix (as VMware's PXE guide says).
            if (config.Kernel is { } kernel)
                config.Kernel = kernel.TrimStart('/');
            if (config.Modules.Count > 0)
                config.Modules = config.Modules.Select(m => m.TrimStart('/')).ToList();
            config.KernelOpt = BootOptionLine.Build(host?.KernelOpt, key).FullLine;
            LogBootCfgServed(_logger, arming.Id, arming.HostName, client);
            return new BootCfgResult(200, config.Write(), "served");
        }
        catch (ProblemException e)
        {
            LogRevealRefused(_logger, arming.Id, e.Code);
            return new BootCfgResult(e.Status, null, e.Message);
        }
        catch (Exception e) when (e is IOException or BootConfigFormatException or ArgumentException)
        {
            LogBootCfgFailed(_logger, arming.Id, e.GetType().Name);
            return new BootCfgResult(500, null, "The image's boot.cfg could not be prepared; the appliance log has the details.");
        }
    }

    public ArmingRecord Arm(Guid sessionId, ArmRequest request, Person by)
    {
        var session = _sessions.Find(sessionId) ?? throw ProblemException.NotFound("The session");
        var errors = new List<string>();
        var images = _images.List();
        BootImageRecord? image = null;
        if (request.Image is { } imageId)
        {
            image = _images.Find(imageId.Trim());
            if (image is null)
                errors.Add($"image: {imageId.Trim()} is not registered");
        }
        else if (images.Count == 1)
            image = images[0];
        else
            errors.Add(images.Count == 0 ? "image: no ESXi image is registered (POST /api/boot/images)" : "image: several images are registered, name one");
        var host = Hosts.Find(session.HostId);
        var macs = new List<string>();
        string? uuid = null, serial = null;
        if (request.Mac is null && request.Uuid is null && request.Serial is null)
        {
            macs.AddRange(host?.MacAddresses ?? []);
            uuid = host?.SmbiosUuid;
            serial = host?.Serial;
        }
        else
        {
            if (request.Mac is not null)
            {
                if (HostIdentity.NormalizeMac(request.Mac) is { } m)
                    macs.Add(m);
                else
                    errors.Add("mac: expected six hex octets such as 00:50:56:aa:bb:cc");
            }
            if (request.Uuid is not null && (uuid = HostIdentity.NormalizeUuid(request.Uuid)) is null)
                errors.Add("uuid: expected an SMBIOS UUID");
            if (request.Serial is not null)
                serial = HostIdentity.NormalizeSerial(request.Serial);
        }
        if (macs.Count == 0 && uuid is null && serial is null && errors.Count == 0)
            errors.Add("identity: the host has no MAC, UUID or serial on record; give mac, uuid or serial (see GET /api/boot/checkins)");
        if (errors.Count > 0)
            throw ProblemException.BadRequest("invalid-arming", string.Join("; ", errors) + ".");
        if (macs.Count == 0 && uuid is null)
            throw ProblemException.Conflict("identity-too-weak",
                "A serial number alone never identifies a booting machine (it is printed on the chassis): the arming needs the host's MAC or SMBIOS UUID (give mac or uuid, or bind its check-in).");
        if (IsCom32(image!.BiosLoader ?? "") && image.EfiLoader is null)
            throw ProblemException.Conflict("network-boot-bios",
                $"Image {image.Id} boots BIOS machines only through mboot.c32, a COM32 module that Debian's iPXE cannot run: the network entry would never be offered. Register an image with an EFI loader and boot the host in UEFI mode, or use the console path.");
        if (IsCom32(image.BiosLoader ?? "") && RecordedPlatforms(session.HostId, host) is { Count: > 0 } platforms && platforms.All(p => p == "pcbios"))
            throw ProblemException.Conflict("network-boot-bios",
                $"Host {session.HostName} has booted from the network only in BIOS mode, where image {image.Id} needs mboot.c32, a COM32 module that Debian's iPXE cannot run: the network entry would not be offered. Switch the host's firmware to UEFI, or use the console path.");

        _sessions.Arm(sessionId, by);
        var now = Now();
        var record = new ArmingRecord
        {
            Id = sessionId,
            HostId = session.HostId,
            HostName = session.HostName,
            ImageId = image!.Id,
            Macs = macs,
            SmbiosUuid = uuid,
            Serial = serial,
            Status = ArmingStatus.Active,
            Armed = now,
            ArmedBy = by.Name,
        };
        _database.Write(() =>
        {
            Armings.Upsert(record);
            _audit.Append(new AuditEntry(by.Name, "boot.armed", RecoverySessionService.Target(sessionId), AuditEntry.Success, by.ClientAddress,
                $"host {session.HostName}; image {image.Id}; identity mac {(macs.Count == 0 ? "-" : string.Join(",", macs))}, uuid {uuid ?? "-"}, serial {serial ?? "-"}; boot.cfg URLs valid {_options.TokenMinutes} minutes"));
        });
        _active[record.Id] = record;
        LogArmed(_logger, sessionId, session.HostName, image.Id);
        return record;
    }

    public ArmingRecord? GetArming(Guid sessionId) => Armings.FindById(sessionId);

    /// <summary>The check-ins bound to a host (after a board swap), newest first.</summary>
    public IReadOnlyList<CheckInRecord> CheckInsOf(Guid hostId) =>
        CheckIns.Find(c => c.BoundHostId == hostId).OrderByDescending(c => c.LastSeen).ToList();

    /// <summary>The firmware platforms the host was seen booting with: check-ins bound to it or from one of its MACs.</summary>
    private List<string> RecordedPlatforms(Guid hostId, HostRecord? host)
    {
        var macs = host?.MacAddresses ?? [];
        return CheckInsOf(hostId).Concat(macs.Select(m => CheckIns.FindById(m)).OfType<CheckInRecord>())
            .Select(c => c.Platform).Where(p => p.Length > 0).Distinct().ToList();
    }

    public IReadOnlyList<CheckInRecord> ListCheckIns(bool unboundOnly, int skip, int take)
    {
        var query = CheckIns.Query();
        if (unboundOnly)
            query = query.Where(c => c.BoundHostId == null);
        return query.OrderByDescending(c => c.LastSeen).Skip(skip).Limit(take).ToList();
    }

    /// <summary>
    /// Binds a checked-in machine to a host after a board swap: the host takes the machine's UUID and
    /// serial, and the MAC is added to its MACs (the old onboard MAC stays until someone removes it).
    /// </summary>
    public HostRecord Bind(string mac, BindRequest request, Actor actor)
    {
        var normalized = HostIdentity.NormalizeMac(mac) ?? throw ProblemException.BadRequest("invalid-mac", "mac: expected six hex octets such as 00:50:56:aa:bb:cc.");
        var host = _database.Write(() =>
        {
            var checkIn = CheckIns.FindById(normalized) ?? throw ProblemException.NotFound("The check-in");
            var host = (request.HostId is { } id ? Hosts.Find(id)
                : request.Host is { } name ? Hosts.FindByName(name)
                : throw ProblemException.BadRequest("invalid-bind", "Give the host's id (hostId) or name (host).")) ?? throw ProblemException.NotFound("The host");
            var before = $"mac {string.Join(",", host.MacAddresses)}, uuid {host.SmbiosUuid ?? "-"}, serial {host.Serial ?? "-"}";
            if (!host.MacAddresses.Contains(normalized))
                host.MacAddresses.Add(normalized);
            host.SmbiosUuid = checkIn.SmbiosUuid ?? host.SmbiosUuid;
            host.Serial = checkIn.Serial ?? host.Serial;
            host.Updated = Now();
            Hosts.Update(host);
            checkIn.BoundHostId = host.Id;
            checkIn.BoundBy = actor.Name;
            checkIn.Bound = Now();
            CheckIns.Update(checkIn);
            _audit.Append(new AuditEntry(actor.Name, "host.identity-bound", EscrowService.Target(host), AuditEntry.Success, actor.ClientAddress,
                $"from check-in {normalized}; before: {before}; now: mac {string.Join(",", host.MacAddresses)}, uuid {host.SmbiosUuid ?? "-"}, serial {host.Serial ?? "-"}"));
            return host;
        });
        _hosts.Invalidate();
        LogBound(_logger, normalized, host.Name);
        return host;
    }

    /// <summary>
    /// Records an unknown machine once per MAC (count and last-seen on repeats). The collection is capped at
    /// <see cref="BootOptions.MaxCheckIns"/>, evicting the least recently seen; first sightings are audited within
    /// the per-source budget, so random MACs cannot grow the audit log.
    /// </summary>
    private void CheckIn(MachineIdentity identity, string? client)
    {
        var now = Now();
        var first = _database.Write(() =>
        {
            var record = CheckIns.FindById(identity.CheckInId);
            // Bound earlier, yet unknown again (the host was changed since): a fresh check-in.
            var isNew = record is null || record.BoundHostId is not null;
            if (isNew)
            {
                if (record is null)
                    EvictCheckIns(_options.MaxCheckIns - 1);
                record = new CheckInRecord { Id = identity.CheckInId, FirstSeen = now };
            }
            record!.SmbiosUuid = identity.Uuid;
            record.Serial = identity.Serial;
            record.Platform = identity.PlatformName;
            record.Arch = identity.Arch;
            record.ClientAddress = client;
            record.LastSeen = now;
            record.Boots++;
            CheckIns.Upsert(record);
            return isNew;
        });
        if (!first)
            return;
        var admission = _events.Admit("boot.checked-in", client);
        if (admission.Decision != EventDecision.Count)
        {
            _database.Write(() => _audit.Append(new AuditEntry("pxe", "boot.checked-in", "checkin:" + identity.Mac, AuditEntry.Success, client,
                identity + admission.Suffix(_events.WindowMinutes))));
        }
        LogCheckedIn(_logger, identity.ToString(), client);
    }

    /// <summary>Deletes the least recently seen check-ins until at most <paramref name="keep"/> remain.</summary>
    private void EvictCheckIns(int keep)
    {
        var excess = CheckIns.Count() - keep;
        if (excess <= 0)
            return;
        foreach (var old in CheckIns.Query().OrderBy(c => c.LastSeen).Limit(excess).ToList())
            CheckIns.Delete(old.Id);
    }

    /// <summary>
    /// Disarms a session before its boot.cfg is fetched: the menu no longer offers the network recovery boot and
    /// every URL already issued answers 410. A boot.cfg already served cannot be taken back (409).
    /// </summary>
    public ArmingRecord Disarm(Guid sessionId, Person by)
    {
        var arming = Armings.FindById(sessionId) ?? throw ProblemException.NotFound("The arming of this session");
        if (arming.Status == ArmingStatus.Served)
            throw ProblemException.Conflict("boot.cfg-served", "The boot.cfg with the key was already served; disarming cannot take it back. Rotate the key after the recovery.");
        Withdraw(arming, $"disarmed by {by.Name}", by.Name, by.ClientAddress);
        return Armings.FindById(sessionId)!;
    }

    private void Withdraw(ArmingRecord arming, string reason, string actor = "pxe", string? client = null)
    {
        _database.Write(() =>
        {
            var stored = Armings.FindById(arming.Id);
            if (stored is null || stored.Status != ArmingStatus.Active)
                return;
            stored.Status = ArmingStatus.Withdrawn;
            Armings.Update(stored);
            _audit.Append(new AuditEntry(actor, "boot.withdrawn", RecoverySessionService.Target(arming.Id), AuditEntry.Success, client, $"host {arming.HostName}; {reason}"));
        });
        _active.TryRemove(arming.Id, out _);
        LogWithdrawn(_logger, arming.Id, reason);
    }

    private const string UnknownReason = "The boot.cfg URL is not valid.";

    /// <summary>Unknown tokens are what a guesser sends: audited within the per-source budget, never one record each.</summary>
    private BootCfgResult Unknown(string? client)
    {
        var admission = _events.Admit("boot.cfg-unknown", client);
        if (admission.Decision != EventDecision.Count)
            _database.Write(() => Denied(null, client, 404, "boot.cfg-unknown", UnknownReason + admission.Suffix(_events.WindowMinutes)));
        return new BootCfgResult(404, null, UnknownReason);
    }

    /// <summary>A client outside <see cref="BootOptions.AllowedNetworks"/> asked the provisioning side; audited within the per-source budget.</summary>
    public void RefuseClient(string? client, string path)
    {
        var admission = _events.Admit("boot.client-refused", client);
        if (admission.Decision == EventDecision.Count)
            return;
        _database.Write(() => _audit.Append(new AuditEntry("pxe", "boot.client-refused", "boot:network", AuditEntry.Denied, client,
            $"ALERT: a client outside RecoveryAssist:Boot:AllowedNetworks asked {Truncate(path, 100)} (HTTP 403)" + admission.Suffix(_events.WindowMinutes))));
        LogClientRefused(_logger, client);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "...";

    private BootCfgResult Denied(ArmingRecord? arming, string? client, int status, string action, string reason)
    {
        var target = arming is null ? "boot:cfg" : RecoverySessionService.Target(arming.Id);
        _audit.Append(new AuditEntry("pxe", action, target, AuditEntry.Denied, client,
            string.Create(CultureInfo.InvariantCulture, $"{(status == 410 ? "ALERT: " : "")}{reason} (HTTP {status})")));
        return new BootCfgResult(status, null, reason);
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "PXE script request from {Client} not understood: {Problem}; answered with a local boot")]
    private static partial void LogInvalidRequest(ILogger logger, string? client, string problem);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Unknown machine checked in: {Identity} from {Client}")]
    private static partial void LogCheckedIn(ILogger logger, string identity, string? client);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Machine {Identity} matches several hosts ({Hosts}); answered with a local boot")]
    private static partial void LogIdentityConflict(ILogger logger, string identity, string hosts);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Recovery menu served for session {SessionId} (host {Host}) to {Client}")]
    private static partial void LogMenuServed(ILogger logger, Guid sessionId, string host, string? client);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "One-time boot.cfg for session {SessionId} (host {Host}) served to {Client}")]
    private static partial void LogBootCfgServed(ILogger logger, Guid sessionId, string host, string? client);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Refused boot.cfg fetch from {Client}: {Reason}")]
    private static partial void LogReplay(ILogger logger, string? client, string reason);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "Session {SessionId} armed for network recovery of host {Host} with image {Image}")]
    private static partial void LogArmed(ILogger logger, Guid sessionId, string host, string image);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "Arming of session {SessionId} withdrawn: {Reason}")]
    private static partial void LogWithdrawn(ILogger logger, Guid sessionId, string reason);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Information, Message = "Check-in {Mac} bound to host {Host}")]
    private static partial void LogBound(ILogger logger, string mac, string host);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Error, Message = "Recovery menu of session {SessionId} not rendered: {Placeholder}: {Problem}")]
    private static partial void LogRenderFailed(ILogger logger, Guid sessionId, string placeholder, string problem);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Image {Image} has no boot loader for {Platform}; session {SessionId} gets a local boot")]
    private static partial void LogNoLoader(ILogger logger, Guid sessionId, string image, string platform);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Session {SessionId} refused the network-boot reveal: {Code}")]
    private static partial void LogRevealRefused(ILogger logger, Guid sessionId, string code);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Warning, Message = "Recovery menu of session {SessionId} refused to {Client}: it was first served to another address")]
    private static partial void LogMenuRefused(ILogger logger, Guid sessionId, string? client);

    [LoggerMessage(EventId = 6015, Level = LogLevel.Warning, Message = "Session {SessionId}: a BIOS machine asked the menu, but image {Image} loads mboot.c32 (COM32), which iPXE cannot run; network entry not offered")]
    private static partial void LogBiosNotOffered(ILogger logger, Guid sessionId, string image);

    [LoggerMessage(EventId = 6016, Level = LogLevel.Warning, Message = "Provisioning request from {Client} refused: not in RecoveryAssist:Boot:AllowedNetworks")]
    private static partial void LogClientRefused(ILogger logger, string? client);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Error, Message = "boot.cfg of session {SessionId} could not be prepared ({Error})")]
    private static partial void LogBootCfgFailed(ILogger logger, Guid sessionId, string error);
}
