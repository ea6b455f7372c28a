using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Tests.Features.Escrow;

public sealed class KeyReconcilerTests
{
    private const string Id = "{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}";

    /// <summary>
    /// One row per case. Held: "1:current,2:unsaved". Listed: version numbers the host lists, "new" for a key the escrow
    /// does not hold. Expected changes: "2:current,1:superseded"; added: the new versions' statuses.
    /// </summary>
    [Theory]
    //        held                        source       listed   saved  reboot  outcome                          changes                              added      notSaved
    [InlineData("",                         "Collected", "new",   false, false, "Escrowed",             "",                                  "current", false)]
    [InlineData("",                         "Imported",  "new",   false, false, "Escrowed",             "",                                  "current", false)]
    [InlineData("1:current",                "Collected", "1",     false, false, "Verified",             "",                                  "",        false)]
    [InlineData("1:current",                "Rotated",   "new",   false, false, "NewRunningVersion",    "",                                  "unsaved", true)]
    [InlineData("1:current,2:unsaved",      "Collected", "2",     true,  false, "SavedConfirmed",       "2:current,1:superseded",            "",        false)]
    [InlineData("1:current,2:unsaved",      "Collected", "2",     false, false, "Verified",             "",                                  "",        true)]
    [InlineData("1:current,2:unsaved",      "Collected", "1",     false, true,  "RotationLost",         "2:neverSaved",                      "",        false)]
    [InlineData("1:current,2:unsaved",      "Collected", "2",     false, true,  "SavedConfirmed",       "2:current,1:superseded",            "",        false)]
    [InlineData("1:current",                "Collected", "new",   false, false, "Drift",                "",                                  "unsaved", true)]
    [InlineData("1:current",                "Imported",  "new",   false, false, "Drift",                "",                                  "unsaved", true)]
    [InlineData("1:current",                "Collected", "new",   false, true,  "Drift",                "1:superseded",                      "current", false)]
    [InlineData("1:current,2:unsaved",      "Rotated",   "new",   false, false, "NewRunningVersion",    "",                                  "unsaved", true)]
    [InlineData("1:current,2:unsaved,3:unsaved", "Collected", "3", true, false, "SavedConfirmed",       "3:current,1:superseded,2:neverSaved", "",       false)]
    [InlineData("1:used",                   "Collected", "1",     false, false, "Verified",             "",                                  "",        false)]
    [InlineData("1:used,2:unsaved",         "Collected", "2",     true,  false, "SavedConfirmed",       "2:current",                         "",        false)]
    [InlineData("1:superseded,2:current",   "Collected", "2",     false, false, "Verified",             "",                                  "",        false)]
    [InlineData("1:current,2:current",      "Collected", "1,2",   false, false, "Verified",             "",                                  "",        false)]
    [InlineData("1:current",                "Rotated",   "new",   true,  false, "SavedConfirmed",       "1:superseded",                      "current", false)]
    [InlineData("1:current",                "Resealed",  "new",   false, false, "NewRunningVersion",    "",                                  "unsaved", true)]
    public void Reconcile_Case_Decides(string held, string source, string listed, bool saveConfirmed, bool rebooted,
        string outcome, string changes, string added, bool rotationNotSaved)
    {
        var decision = KeyReconciler.Reconcile(Held(held), new KeyObservation(Listed(listed), Enum.Parse<KeySource>(source), saveConfirmed, rebooted));

        decision.Outcome.ToString().Should().Be(outcome);
        decision.Changes.Select(c => $"{c.Version}:{Camel(c.To)}").Should().BeEquivalentTo(Split(changes));
        decision.Added.Select(a => Camel(a.Status)).Should().Equal(Split(added));
        decision.RotationNotSaved.Should().Be(rotationNotSaved);
    }

    [Fact]
    public void Reconcile_RotatedNotSaved_OldVersionNeverSuperseded()
    {
        var decision = KeyReconciler.Reconcile(Held("1:current"), new KeyObservation(Listed("new"), KeySource.Rotated));

        decision.Changes.Should().BeEmpty("only a confirmed save (or a reboot) may retire the saved key");
        KeyReconciler.Saved(Held("1:current,2:unsaved")).Select(v => v.Version).Should().Equal(1);
        KeyReconciler.Unsaved(Held("1:current,2:unsaved")).Select(v => v.Version).Should().Equal(2);
    }

    [Theory]
    [InlineData("1:current", "1")]
    [InlineData("1:used", "1")]
    [InlineData("1:used,2:current", "2")]
    [InlineData("1:superseded,2:used", "2")]
    [InlineData("1:current,2:unsaved", "1,2")]
    [InlineData("1:current,2:neverSaved", "1")]
    [InlineData("1:superseded", "")]
    public void Live_Versions_SavedAndRunningOnly(string held, string live)
    {
        KeyReconciler.Live(Held(held)).Select(v => v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)).Should().BeEquivalentTo(Split(live));
    }

    private static List<HeldVersion> Held(string text) => Split(text)
        .Select(p => p.Split(':'))
        .Select(p => new HeldVersion(int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), Id, Enum.Parse<KeyStatus>(p[1], ignoreCase: true)))
        .ToList();

    private static List<ListedKey> Listed(string text) => Split(text)
        .Select(p => new ListedKey(Id, p == "new" ? null : int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)))
        .ToList();

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Camel(KeyStatus status) => char.ToLowerInvariant(status.ToString()[0]) + status.ToString()[1..];
}
