using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Features.Recovery;

public sealed class SessionApiTests : IAsyncLifetime
{
    private RecoveryFixture _f = null!;

    public async Task InitializeAsync() => _f = await RecoveryFixture.StartAsync($"--RecoveryAssist:Recovery:RevealLimit=6");

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static void ShouldBeRefusal((HttpStatusCode Status, JsonElement Body) response, HttpStatusCode status, string code)
    {
        response.Status.Should().Be(status, response.Body.ToString());
        response.Body.GetProperty("type").GetString().Should().EndWith("/" + code);
    }

    private static void ShouldHoldNoKey(string text, RecoveryKey key)
    {
        foreach (var group in key.RevealGroups().Distinct())
            text.Should().NotContain(group);
    }

    [Fact]
    public async Task Import_AfterHostUp_UsedKeyVerifiedThenRotatedKeyBecomesCurrent()
    {
        var (hostId, key, recoveryId) = await _f.HostWithKeyAsync("used.lab");
        var id = await _f.ApprovedAsync("used.lab");
        (await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal")).Status.Should().Be(HttpStatusCode.OK);
        (await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/host-up")).Status.Should().Be(HttpStatusCode.OK);

        var again = await _f.Admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output = EsxcliOutput.RecoveryList(recoveryId, key) });
        var afterAgain = await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}/keys");
        var rotated = await _f.Admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output = EsxcliOutput.RecoveryList(recoveryId, RecoveryKey.Generate()) });
        var afterRotation = await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}/keys");

        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString().Should().Be("verified", "the used key still protects the host until it is rotated");
        afterAgain.EnumerateArray().Select(k => k.GetProperty("status").GetString()).Should().Equal("used");
        (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString().Should().Be("changed");
        afterRotation.EnumerateArray().Select(k => k.GetProperty("status").GetString()).Should().Equal(["used", "unsaved"], "the new key is running; its save is not confirmed");
    }

    [Fact]
    public async Task Reveal_RotationNotSaved_SavedKeyFirstOtherOfferedLabelledBothAuditedEntryCheckSaysWhich()
    {
        var (hostId, saved, recoveryId) = await _f.HostWithKeyAsync("unsaved.lab");
        var running = RecoveryKey.Generate();
        (await _f.Admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output = EsxcliOutput.RecoveryList(recoveryId, running) })).EnsureSuccessStatusCode();
        var id = await _f.ApprovedAsync("unsaved.lab");

        var revealed = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");
        var savedCheck = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/check", new { typed = " encryptionRecoveryKey=" + saved.Reveal() });
        var runningCheck = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/check", new { typed = running.Reveal() });
        var hostUp = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/host-up");

        revealed.Status.Should().Be(HttpStatusCode.OK);
        revealed.Body.GetProperty("textToType").GetString().Should().Be(" encryptionRecoveryKey=" + saved.Reveal(), "the saved key is the one the next boot needs");
        revealed.Body.GetProperty("keyVersion").GetInt32().Should().Be(1);
        var candidate = revealed.Body.GetProperty("candidates").EnumerateArray().Should().ContainSingle().Subject;
        candidate.GetProperty("keyVersion").GetInt32().Should().Be(2);
        candidate.GetProperty("textToType").GetString().Should().Be(" encryptionRecoveryKey=" + running.Reveal());
        candidate.GetProperty("label").GetString().Should().MatchRegex(@"^changed on the host at \d\d:\d\d UTC \(\d{4}-\d\d-\d\d\), version 2, save not confirmed: if the saved key is refused, try this one$");
        revealed.Body.GetProperty("warnings").EnumerateArray().Should().Contain(w => w.GetString()!.Contains("save of the change is not confirmed", StringComparison.Ordinal));
        savedCheck.Body.GetProperty("matchedKey").GetString().Should().Be("the saved key, version 1");
        runningCheck.Body.GetProperty("matches").GetBoolean().Should().BeTrue();
        runningCheck.Body.GetProperty("matchedKey").GetString().Should().Be("the second candidate, version 2 (rotated, save not confirmed)");
        hostUp.Status.Should().Be(HttpStatusCode.OK);
        (await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}/keys")).EnumerateArray().Select(k => k.GetProperty("status").GetString())
            .Should().Equal(["current", "unsaved"], "with two keys on offer, only the host itself can tell which one it booted with");
        _f.Audit(id).Select(r => r.Action).Should().Contain(["session.revealed", "session.revealed-candidate"]);
        ShouldHoldNoKey(JsonSerializer.Serialize(_f.AllAudit()), running);
    }

    [Fact]
    public async Task Workflow_OpenApproveRevealHostUpClose_EveryStepAuditedAndChainVerifies()
    {
        var (hostId, key, recoveryId) = await _f.HostWithKeyAsync("esx01.lab", kernelOpt: "runweasel cdromBoot", serial: "ABC123");

        var id = await _f.OpenAsync(_f.TechOne, "esx01.lab");
        var approved = await RecoveryFixture.PostAsync(_f.TechTwo, $"/api/sessions/{id}/approve");
        var revealed = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal", new { host = "esx01.lab" });
        var awaiting = await _f.TechTwo.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}");
        var hostUp = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/host-up");
        var keys = await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}/keys");
        var closed = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/close");

        approved.Body.GetProperty("state").GetString().Should().Be("approved");
        revealed.Status.Should().Be(HttpStatusCode.OK);
        var body = revealed.Body;
        body.GetProperty("textToType").GetString().Should().Be(" encryptionRecoveryKey=" + key.Reveal());
        body.GetProperty("fullLine").GetString().Should().Be("runweasel cdromBoot encryptionRecoveryKey=" + key.Reveal());
        body.GetProperty("recoveryId").GetString().Should().Be(recoveryId.ToString());
        body.GetProperty("host").GetProperty("serial").GetString().Should().Be("ABC123");
        body.GetProperty("host").GetProperty("managementAddress").GetString().Should().Be("192.0.2.10");
        body.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("number").GetInt32(), g.GetProperty("digits").GetString()))
            .Should().Equal(key.RevealGroups().Select((g, i) => (i + 1, (string?)g)));
        awaiting.GetProperty("state").GetString().Should().Be("revealed");
        awaiting.GetProperty("status").GetString().Should().Be("awaiting host");
        awaiting.GetProperty("revealCount").GetInt32().Should().Be(1);
        awaiting.GetProperty("reveals")[0].GetProperty("by").GetString().Should().Be("op-one");
        ShouldHoldNoKey(awaiting.GetRawText(), key);
        hostUp.Body.GetProperty("state").GetString().Should().Be("host-seen-up");
        keys[0].GetProperty("status").GetString().Should().Be("used");
        closed.Body.GetProperty("state").GetString().Should().Be("completed");

        _f.Audit(id).Select(r => (r.Action, r.Actor, r.Outcome)).Should().Equal(
            ("session.opened", "tech-one", "success"),
            ("session.approved", "tech-two", "success"),
            ("session.revealed", "op-one", "success"),
            ("session.host-seen-up", "tech-one", "success"),
            ("session.completed", "tech-one", "success"));
        _f.AllAudit().Should().Contain(r => r.Action == "key.status" && r.Target == "host:esx01.lab" && r.Detail!.StartsWith("version 1: current -> used", StringComparison.Ordinal));
        ShouldHoldNoKey(JsonSerializer.Serialize(_f.AllAudit()), key);
        _f.VerifyAudit().Should().BeNull();
    }

    [Fact]
    public async Task Reveal_NotApproved_Answers403AndAuditsRefusal()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx02.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx02.lab");

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");

        ShouldBeRefusal(response, HttpStatusCode.Forbidden, "session-not-approved");
        response.Body.GetProperty("detail").GetString().Should().Contain("second person");
        ShouldHoldNoKey(response.Body.GetRawText(), key);
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.reveal" && r.Outcome == "denied" && r.Actor == "op-one" && r.Detail!.StartsWith("session-not-approved"));
    }

    [Fact]
    public async Task Approve_ByRequester_Answers403AndAuditsRefusal()
    {
        await _f.HostWithKeyAsync("esx03.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx03.lab");

        var response = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/approve");

        ShouldBeRefusal(response, HttpStatusCode.Forbidden, "self-approval");
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.approve" && r.Outcome == "denied" && r.Actor == "tech-one");
        (await _f.TechOne.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}")).GetProperty("state").GetString().Should().Be("opened");
    }

    [Fact]
    public async Task Reveal_AfterExpiry_Answers410AndAuditsExpiryAndRefusal()
    {
        await _f.HostWithKeyAsync("esx04.lab");
        var id = await _f.ApprovedAsync("esx04.lab");
        _f.Time.Advance(TimeSpan.FromMinutes(61));

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");

        ShouldBeRefusal(response, HttpStatusCode.Gone, "session-expired");
        var audit = _f.Audit(id);
        audit.Should().ContainSingle(r => r.Action == "session.expired" && r.Actor == "system");
        audit.Last().Should().Match<AuditRecord>(r => r.Action == "session.reveal" && r.Outcome == "denied" && r.Detail!.StartsWith("session-expired"));
        (await _f.Auditor.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}")).GetProperty("state").GetString().Should().Be("expired");
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("auditor")]
    public async Task Reveal_WrongRole_Answers403AndAuditsRefusal(string role)
    {
        await _f.HostWithKeyAsync("esx05.lab");
        var id = await _f.ApprovedAsync("esx05.lab");
        var client = role == "admin" ? _f.Admin : _f.Auditor;

        var response = await RecoveryFixture.PostAsync(client, $"/api/sessions/{id}/reveal");

        ShouldBeRefusal(response, HttpStatusCode.Forbidden, "wrong-role");
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.reveal" && r.Outcome == "denied" && r.Detail!.Contains("keys:reveal"));
    }

    [Fact]
    public async Task Approve_OperatorRole_Answers403AndAuditsRefusal()
    {
        await _f.HostWithKeyAsync("esx06.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx06.lab");

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/approve");

        ShouldBeRefusal(response, HttpStatusCode.Forbidden, "wrong-role");
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.approve" && r.Outcome == "denied");
    }

    [Fact]
    public async Task Reveal_ConfirmingAnotherHost_Answers403AndAuditsRefusal()
    {
        await _f.HostWithKeyAsync("esx07.lab");
        await _f.HostWithKeyAsync("esx08.lab");
        var id = await _f.ApprovedAsync("esx07.lab");

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal", new { host = "esx08.lab" });

        ShouldBeRefusal(response, HttpStatusCode.Forbidden, "session-host-mismatch");
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.reveal" && r.Outcome == "denied" && r.Detail!.StartsWith("session-host-mismatch"));
        (await _f.Operator.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}")).GetProperty("revealCount").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Open_SecondSessionForHost_Answers409AndAuditsRefusal()
    {
        await _f.HostWithKeyAsync("esx09.lab");
        var first = await _f.OpenAsync(_f.TechOne, "esx09.lab");

        var response = await RecoveryFixture.PostAsync(_f.TechTwo, "/api/sessions", new { host = "esx09.lab", reason = "tpm-failed", ticket = "INC-43" });

        ShouldBeRefusal(response, HttpStatusCode.Conflict, "session-exists");
        response.Body.GetProperty("detail").GetString().Should().Contain(first);
        _f.AllAudit().Last().Should().Match<AuditRecord>(r => r.Action == "session.open" && r.Outcome == "denied" && r.Actor == "tech-two");
    }

    [Fact]
    public async Task Open_AfterPreviousExpired_OpensNewSession()
    {
        await _f.HostWithKeyAsync("esx10.lab");
        var first = await _f.OpenAsync(_f.TechOne, "esx10.lab");
        _f.Time.Advance(TimeSpan.FromMinutes(60));

        var second = await _f.OpenAsync(_f.TechOne, "esx10.lab");

        second.Should().NotBe(first);
        _f.Audit(first).Select(r => r.Action).Should().Contain("session.expired");
    }

    [Fact]
    public async Task Open_HostWithoutKey_Answers409()
    {
        (await _f.Admin.PostAsJsonAsync("/api/hosts", new { name = "bare.lab" })).EnsureSuccessStatusCode();

        var response = await RecoveryFixture.PostAsync(_f.TechOne, "/api/sessions", new { host = "bare.lab", reason = "tpm-cleared", ticket = "T" });

        ShouldBeRefusal(response, HttpStatusCode.Conflict, "no-escrowed-key");
    }

    [Fact]
    public async Task Open_BadInput_Answers400NamingEveryField()
    {
        var response = await RecoveryFixture.PostAsync(_f.TechOne, "/api/sessions", new { host = "esx.lab", reason = "broken", ticket = "", path = "usb" });

        ShouldBeRefusal(response, HttpStatusCode.BadRequest, "invalid-session");
        response.Body.GetProperty("detail").GetString().Should().Contain("reason").And.Contain("ticket").And.Contain("path").And.Contain("tpm-cleared");
    }

    [Fact]
    public async Task Open_OperatorRole_Answers403Audited()
    {
        await _f.HostWithKeyAsync("esx11.lab");

        var response = await RecoveryFixture.PostAsync(_f.Operator, "/api/sessions", new { host = "esx11.lab", reason = "tpm-cleared", ticket = "T" });

        ShouldBeRefusal(response, HttpStatusCode.Forbidden, "wrong-role");
        _f.AllAudit().Last().Should().Match<AuditRecord>(r => r.Action == "session.open" && r.Outcome == "denied" && r.Actor == "op-one");
    }

    [Fact]
    public async Task Reveal_BeyondLimit_Answers429AndApproversSeeTheCount()
    {
        await _f.HostWithKeyAsync("esx12.lab");
        var id = await _f.ApprovedAsync("esx12.lab");
        for (var i = 0; i < 6; i++)
            (await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal")).Status.Should().Be(HttpStatusCode.OK);

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");

        ShouldBeRefusal(response, HttpStatusCode.TooManyRequests, "reveal-rate-limited");
        var seen = await _f.TechTwo.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}");
        seen.GetProperty("revealCount").GetInt32().Should().Be(6);
        _f.Audit(id).Count(r => r.Action == "session.revealed").Should().Be(6);
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.reveal" && r.Outcome == "denied");
    }

    [Fact]
    public async Task Cancel_Approved_CancelledAndAudited()
    {
        await _f.HostWithKeyAsync("esx13.lab");
        var id = await _f.ApprovedAsync("esx13.lab");

        var response = await RecoveryFixture.PostAsync(_f.TechTwo, $"/api/sessions/{id}/cancel", new { reason = "wrong ticket" });

        response.Body.GetProperty("state").GetString().Should().Be("cancelled");
        var reveal = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");
        ShouldBeRefusal(reveal, HttpStatusCode.Conflict, "session-closed");
        _f.Audit(id).Should().Contain(r => r.Action == "session.cancelled" && r.Actor == "tech-two" && r.Detail!.Contains("wrong ticket"));
    }

    [Fact]
    public async Task Close_BeforeHostUp_Answers409SayingCancelInstead()
    {
        await _f.HostWithKeyAsync("esx14.lab");
        var id = await _f.ApprovedAsync("esx14.lab");

        var response = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/close");

        ShouldBeRefusal(response, HttpStatusCode.Conflict, "host-not-seen-up");
    }

    [Fact]
    public async Task Reveal_UnknownSession_Answers404Audited()
    {
        var id = Guid.NewGuid().ToString();

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");

        ShouldBeRefusal(response, HttpStatusCode.NotFound, "not-found");
        _f.Audit(id).Should().ContainSingle(r => r.Outcome == "denied");
    }

    [Fact]
    public async Task HostSeenUp_HandOffFromHostOperations_MarksKeyUsedAndMovesSessionOn()
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync("esx15.lab");
        var id = await _f.ApprovedAsync("esx15.lab");
        (await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal")).Status.Should().Be(HttpStatusCode.OK);
        var service = _f.Appliance.Services.GetRequiredService<RecoverySessionService>();

        var session = service.HostSeenUp(Guid.Parse(hostId), Person.System);
        var none = service.HostSeenUp(Guid.Parse(hostId), Person.System);

        session!.State.Should().Be(SessionState.HostSeenUp);
        none.Should().BeNull("the session already moved on");
        (await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}/keys"))[0].GetProperty("status").GetString().Should().Be("used");
        (await _f.TechOne.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}")).GetProperty("status").GetString().Should().Be("host up: awaiting key rotation");
        ShouldBeRefusal(await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal"), HttpStatusCode.Conflict, "key-used");
    }

    [Fact]
    public async Task HostSeenUp_AfterRevealedSessionExpired_StillMarksKeyUsed()
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync("esx16.lab");
        var id = await _f.ApprovedAsync("esx16.lab");
        (await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal")).Status.Should().Be(HttpStatusCode.OK);
        _f.Time.Advance(TimeSpan.FromMinutes(90));
        var service = _f.Appliance.Services.GetRequiredService<RecoverySessionService>();

        var session = service.HostSeenUp(Guid.Parse(hostId), Person.System);

        session!.State.Should().Be(SessionState.Expired);
        (await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}/keys"))[0].GetProperty("status").GetString().Should().Be("used");
    }

    [Fact]
    public async Task Arm_NetworkSession_ArmedThenHostSeenUp()
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync("esx17.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx17.lab", path: "network");
        (await RecoveryFixture.PostAsync(_f.TechTwo, $"/api/sessions/{id}/approve")).Status.Should().Be(HttpStatusCode.OK);
        var service = _f.Appliance.Services.GetRequiredService<RecoverySessionService>();

        service.Arm(Guid.Parse(id), Person.System).State.Should().Be(SessionState.Armed);
        service.HostSeenUp(Guid.Parse(hostId), Person.System)!.State.Should().Be(SessionState.HostSeenUp);

        _f.Audit(id).Select(r => r.Action).Should().Equal("session.opened", "session.approved", "session.armed", "session.host-seen-up");
    }

    [Fact]
    public async Task Check_MistypedGroup_NamesGroupWithoutRevealingDigits()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx18.lab");
        var id = await _f.ApprovedAsync("esx18.lab");
        var groups = key.RevealGroups().ToArray();
        var wrong = groups[6][..5] + (groups[6][5] == '0' ? '1' : '0');
        groups[6] = wrong;

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/check", new { typed = " encryptionRecoveryKey=" + string.Join('-', groups) });

        response.Status.Should().Be(HttpStatusCode.OK);
        response.Body.GetProperty("matches").GetBoolean().Should().BeFalse();
        var bad = response.Body.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("status").GetString() != "ok").ToList();
        bad.Should().ContainSingle().Which.GetProperty("number").GetInt32().Should().Be(7);
        bad[0].GetProperty("status").GetString().Should().Be("failsCheck");
        response.Body.GetRawText().Should().NotContain(key.RevealGroups()[6]);
        _f.Audit(id).Last().Should().Match<AuditRecord>(r => r.Action == "session.entry-checked" && r.Detail!.Contains("groups 7 fail the group check"));
    }

    [Fact]
    public async Task Qr_PngAndSvgBothVariants_DecodeToTheEscrowedKey()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx19.lab");
        var id = await _f.ApprovedAsync("esx19.lab");
        var expected = " encryptionRecoveryKey=" + key.Reveal();

        async Task<string> DecodeAsync(string format, int part, string enter = "none")
        {
            using var response = await _f.Operator.PostAsJsonAsync($"/api/sessions/{id}/qr", new { format, part, enter });
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            response.Headers.CacheControl!.NoStore.Should().BeTrue();
            return format == "png"
                ? QrDecoding.DecodePng(await response.Content.ReadAsByteArrayAsync())
                : QrDecoding.DecodeSvg(await response.Content.ReadAsStringAsync());
        }

        (await DecodeAsync("png", 0)).Should().Be(expected);
        (await DecodeAsync("svg", 0)).Should().Be(expected);
        ((await DecodeAsync("png", 1)) + (await DecodeAsync("png", 2, "cr"))).Should().Be(expected + "\r");
        ((await DecodeAsync("svg", 1)) + (await DecodeAsync("svg", 2))).Should().Be(expected);
        _f.Audit(id).Where(r => r.Action == "session.revealed").Select(r => r.Detail).Should().HaveCount(6)
            .And.Contain(d => d!.Contains("form qr-png")).And.Contain(d => d!.Contains("form qr-svg"));
    }

    [Fact]
    public async Task Qr_BadOptions_Answers400WithoutRevealing()
    {
        await _f.HostWithKeyAsync("esx20.lab");
        var id = await _f.ApprovedAsync("esx20.lab");

        var response = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/qr", new { format = "gif", part = 3 });

        ShouldBeRefusal(response, HttpStatusCode.BadRequest, "invalid-qr");
        response.Body.GetProperty("detail").GetString().Should().Contain("format").And.Contain("part");
        _f.Audit(id).Should().NotContain(r => r.Action == "session.revealed");
    }

    [Fact]
    public async Task List_OpenOnly_ShowsOpenSessionsOfHost()
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync("esx21.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx21.lab");

        var list = await _f.Auditor.GetFromJsonAsync<JsonElement>($"/api/sessions/?hostId={hostId}&open=true");

        list.EnumerateArray().Select(s => s.GetProperty("id").GetString()).Should().Equal(id);
    }
}

public sealed class SessionWaiverTests : IAsyncLifetime
{
    private RecoveryFixture _f = null!;

    public async Task InitializeAsync() => _f = await RecoveryFixture.StartAsync("--RecoveryAssist:Recovery:ApprovalWaivedForRoles:0=Technician");

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Open_WaivedRole_ApprovedAtOnceAndAuditSaysWaived()
    {
        await _f.HostWithKeyAsync("esx30.lab");

        var id = await _f.OpenAsync(_f.TechOne, "esx30.lab");
        var reveal = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/sessions/{id}/reveal");

        reveal.Status.Should().Be(HttpStatusCode.OK);
        _f.Audit(id).Select(r => r.Action).Should().Equal("session.opened", "session.approved", "session.revealed");
        _f.Audit(id)[1].Detail.Should().Contain("waived by policy for role Technician");
    }
}
