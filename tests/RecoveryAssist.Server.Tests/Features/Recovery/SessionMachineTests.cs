using Microsoft.Extensions.Time.Testing;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Tests.Features.Recovery;

public sealed class SessionMachineTests
{
    private static readonly Person Requester = new("tech-a", "Technician", "10.0.0.1");
    private static readonly Person Approver = new("tech-b", "Technician", "10.0.0.2");
    private static readonly Person Operator = new("op-c", "Operator", "10.0.0.3");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 3, 0, 0, TimeSpan.Zero));
    private readonly RecoveryOptions _options = new();

    private SessionMachine Machine => new(_time, _options);

    private RecoverySession Open(RecoveryPath path = RecoveryPath.Console, Person? by = null, RecoverySession? existing = null) =>
        Machine.Open(Guid.NewGuid(), Guid.NewGuid(), "esx01.lab", RecoveryReason.MotherboardReplaced, "INC-1", path, 1, "{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}", by ?? Requester, existing);

    private RecoverySession Approved(RecoveryPath path = RecoveryPath.Console)
    {
        var session = Open(path);
        Machine.Approve(session, Approver);
        return session;
    }

    private static SessionRefusal Refusal(Action action) =>
        action.Should().Throw<SessionRefusedException>().Which.Refusal;

    [Fact]
    public void Open_NewSession_OpenedWithExpiryAndOneEvent()
    {
        var session = Open();

        session.State.Should().Be(SessionState.Opened);
        session.Expires.Should().Be(_time.GetUtcNow().UtcDateTime.AddMinutes(60));
        session.History.Should().ContainSingle().Which.Action.Should().Be("session.opened");
        session.History[0].Detail.Should().Contain("motherboard-replaced").And.Contain("INC-1");
    }

    [Fact]
    public void Open_HostHasOpenSession_RefusedAsConflict()
    {
        var first = Open();

        var refusal = Refusal(() => Open(existing: first));

        refusal.Kind.Should().Be(RefusalKind.Conflict);
        refusal.Code.Should().Be("session-exists");
        refusal.Message.Should().Contain(first.Id.ToString());
    }

    [Fact]
    public void Open_RequesterRoleWaived_ApprovedAtOnceAndSaysWaived()
    {
        _options.ApprovalWaivedForRoles = [Role.Technician];

        var session = Open();

        session.State.Should().Be(SessionState.Approved);
        session.ApprovalWaived.Should().BeTrue();
        session.History.Select(e => e.Action).Should().Equal("session.opened", "session.approved");
        session.History[1].Detail.Should().Contain("waived by policy for role Technician");
    }

    [Fact]
    public void Open_OtherRoleWaived_StillNeedsApproval()
    {
        _options.ApprovalWaivedForRoles = [Role.Admin];

        Open().State.Should().Be(SessionState.Opened);
    }

    [Fact]
    public void Approve_SecondPerson_Approved()
    {
        var session = Open();

        Machine.Approve(session, Approver);

        session.State.Should().Be(SessionState.Approved);
        session.ApprovedBy.Should().Be("tech-b");
        session.History.Last().Action.Should().Be("session.approved");
    }

    [Theory]
    [InlineData("tech-a")]
    [InlineData("TECH-A")]
    public void Approve_Requester_RefusedAsSelfApproval(string name)
    {
        var session = Open();

        var refusal = Refusal(() => Machine.Approve(session, new Person(name, "Technician", null)));

        refusal.Should().Be(new SessionRefusal(RefusalKind.Forbidden, "self-approval", refusal.Message));
        session.State.Should().Be(SessionState.Opened);
        session.History.Should().HaveCount(1, "a refused action leaves the session as it was");
    }

    [Fact]
    public void Approve_AlreadyApproved_RefusedAsConflict()
    {
        var session = Approved();

        Refusal(() => Machine.Approve(session, Operator)).Code.Should().Be("already-approved");
    }

    [Fact]
    public void Reveal_NotApproved_RefusedAsForbidden()
    {
        var session = Open();

        var refusal = Refusal(() => Machine.Reveal(session, Operator, "json"));

        refusal.Kind.Should().Be(RefusalKind.Forbidden);
        refusal.Code.Should().Be("session-not-approved");
        session.Reveals.Should().BeEmpty();
    }

    [Fact]
    public void Reveal_Approved_RevealedAndCountedEachTime()
    {
        var session = Approved();

        Machine.Reveal(session, Operator, "json");
        Machine.Reveal(session, Requester, "qr-png");

        session.State.Should().Be(SessionState.Revealed);
        session.Reveals.Select(r => (r.By, r.Form)).Should().Equal(("op-c", "json"), ("tech-a", "qr-png"));
        session.History.Where(e => e.Action == "session.revealed").Select(e => e.Detail).Last().Should().Contain("reveal 2");
    }

    [Fact]
    public void Reveal_OverLimitInWindow_RateLimitedUntilWindowPasses()
    {
        _options.RevealLimit = 3;
        var session = Approved();
        for (var i = 0; i < 3; i++)
            Machine.Reveal(session, Operator, "json");

        var refusal = Refusal(() => Machine.Reveal(session, Operator, "json"));
        _time.Advance(TimeSpan.FromMinutes(_options.RateWindowMinutes) + TimeSpan.FromSeconds(1));
        Machine.Reveal(session, Operator, "json");

        refusal.Kind.Should().Be(RefusalKind.RateLimited);
        refusal.Code.Should().Be("reveal-rate-limited");
        session.Reveals.Should().HaveCount(4);
    }

    [Fact]
    public void ExpireIfDue_BeforeExpiry_NothingChanges()
    {
        var session = Approved();
        _time.Advance(TimeSpan.FromMinutes(59));

        Machine.ExpireIfDue(session).Should().BeFalse();
        session.State.Should().Be(SessionState.Approved);
    }

    [Theory]
    [InlineData("Opened")]
    [InlineData("Approved")]
    [InlineData("Revealed")]
    public void ExpireIfDue_AfterExpiry_ExpiredWithEvent(string stateName)
    {
        var state = Enum.Parse<SessionState>(stateName);
        var session = Open();
        if (state != SessionState.Opened)
            Machine.Approve(session, Approver);
        if (state == SessionState.Revealed)
            Machine.Reveal(session, Operator, "json");
        _time.Advance(TimeSpan.FromMinutes(60));

        Machine.ExpireIfDue(session).Should().BeTrue();

        session.State.Should().Be(SessionState.Expired);
        session.History.Last().Action.Should().Be("session.expired");
        session.History.Last().By.Should().Be("system");
        Machine.ExpireIfDue(session).Should().BeFalse("expiry happens once");
    }

    [Fact]
    public void ExpireIfDue_HostSeenUp_NeverExpires()
    {
        var session = Approved();
        Machine.Reveal(session, Operator, "json");
        Machine.HostUp(session, Person.System);
        _time.Advance(TimeSpan.FromHours(5));

        Machine.ExpireIfDue(session).Should().BeFalse();
        session.State.Should().Be(SessionState.HostSeenUp);
    }

    [Fact]
    public void Reveal_Expired_RefusedAsGone()
    {
        var session = Approved();
        _time.Advance(TimeSpan.FromMinutes(61));
        Machine.ExpireIfDue(session);

        var refusal = Refusal(() => Machine.Reveal(session, Operator, "json"));

        refusal.Kind.Should().Be(RefusalKind.Expired);
        refusal.Code.Should().Be("session-expired");
    }

    [Fact]
    public void Arm_NetworkPathApproved_Armed()
    {
        var session = Approved(RecoveryPath.Network);

        Machine.Arm(session, Requester);

        session.State.Should().Be(SessionState.Armed);
        session.Armed.Should().NotBeNull();
    }

    [Fact]
    public void Arm_ConsolePath_RefusedAsWrongPath()
    {
        var session = Approved();

        Refusal(() => Machine.Arm(session, Requester)).Code.Should().Be("wrong-path");
    }

    [Fact]
    public void Arm_NotApproved_RefusedAsForbidden()
    {
        var session = Open(RecoveryPath.Network);

        Refusal(() => Machine.Arm(session, Requester)).Code.Should().Be("session-not-approved");
    }

    [Fact]
    public void HostUp_Revealed_HostSeenUpThenCompleted()
    {
        var session = Approved();
        Machine.Reveal(session, Operator, "json");

        Machine.HostUp(session, Person.System);
        Machine.Complete(session, Requester, "rotated to version 2");

        session.State.Should().Be(SessionState.Completed);
        session.History.Select(e => e.Action).Should().Equal(
            "session.opened", "session.approved", "session.revealed", "session.host-seen-up", "session.completed");
        session.History.Last().Detail.Should().Contain("rotated to version 2");
    }

    [Fact]
    public void HostUp_Armed_HostSeenUp()
    {
        var session = Approved(RecoveryPath.Network);
        Machine.Arm(session, Requester);

        Machine.HostUp(session, Person.System);

        session.State.Should().Be(SessionState.HostSeenUp);
    }

    [Fact]
    public void HostUp_NotRevealed_RefusedAsInvalidTransition()
    {
        var session = Approved();

        Refusal(() => Machine.HostUp(session, Person.System)).Code.Should().Be("invalid-transition");
    }

    [Fact]
    public void Reveal_HostSeenUp_RefusedKeyUsed()
    {
        var session = Approved();
        Machine.Reveal(session, Operator, "json");
        Machine.HostUp(session, Person.System);

        Refusal(() => Machine.Reveal(session, Operator, "json")).Code.Should().Be("key-used");
    }

    [Fact]
    public void Complete_NotHostSeenUp_RefusedSayingCancelInstead()
    {
        var session = Approved();
        Machine.Reveal(session, Operator, "json");

        var refusal = Refusal(() => Machine.Complete(session, Requester));

        refusal.Code.Should().Be("host-not-seen-up");
        refusal.Message.Should().Contain("cancel");
    }

    [Fact]
    public void Cancel_AfterReveal_CancelledAndSaysRotate()
    {
        var session = Approved();
        Machine.Reveal(session, Operator, "json");

        Machine.Cancel(session, Requester, "wrong host");

        session.State.Should().Be(SessionState.Cancelled);
        session.History.Last().Detail.Should().Contain("wrong host").And.Contain("rotate it");
    }

    [Fact]
    public void Cancel_Cancelled_RefusedAsClosed()
    {
        var session = Open();
        Machine.Cancel(session, Requester, null);

        Refusal(() => Machine.Cancel(session, Requester, null)).Code.Should().Be("session-closed");
        Refusal(() => Machine.Approve(session, Approver)).Code.Should().Be("session-closed");
    }

    [Fact]
    public void CheckEntry_OverLimit_RateLimited()
    {
        _options.EntryCheckLimit = 2;
        var session = Approved();
        Machine.CheckEntry(session, Operator, "matches");
        Machine.CheckEntry(session, Operator, "matches");

        Refusal(() => Machine.CheckEntry(session, Operator, "matches")).Code.Should().Be("check-rate-limited");
    }

    [Fact]
    public void CheckEntry_NotApproved_RefusedAsForbidden()
    {
        var session = Open();

        Refusal(() => Machine.CheckEntry(session, Operator, "x")).Code.Should().Be("session-not-approved");
    }

    [Fact]
    public void ToString_Session_NamesIdHostAndStateOnly()
    {
        var session = Open();

        session.ToString().Should().Be($"RecoverySession {{ Id = {session.Id}, Host = esx01.lab, State = Opened }}");
    }
}
