namespace RecoveryAssist.Core.Tests.Esxcli;

/// <summary>Golden files under Fixtures/ and the keys they hold (generated with RecoveryKey.Generate()).</summary>
internal static class ParserFixtures
{
    // The only published sample (vSphere 8.0 Security guide); it may appear in tests and fixtures only.
    public const string PublishedId = "{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}";
    public const string PublishedKey = "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";

    public const string Id1 = "{27C70D4B-275C-4DF7-84CA-A1907B8B3F60}";
    public const string Key1 = "091168-292953-278225-529466-570266-574337-043775-025230-170233-005542-418340-602580-628596-163418-253058-526541";
    public const string Id2 = "{B38CB1D0-B039-4881-B1B2-48C2DEC32770}";
    public const string Key2 = "349063-699249-253453-041440-140782-284553-278691-576341-457542-319856-439482-191972-357842-044233-057434-494971";
    public const string Id3 = "{6457DA16-D351-4ABE-AA9B-F9A94A4F8F57}";
    public const string Key3 = "581449-492537-420191-162110-318674-033137-360113-010633-374811-225443-215071-146740-017370-521622-243521-000895";

    public static string Read(string relativePath) => Fixture.Read(relativePath);

    /// <summary>Key1 with group 7 mistyped (last digit changed), which the group check catches.</summary>
    public static string Key1WithGroup7Mistyped => Key1.Replace("-043775-", "-043776-", StringComparison.Ordinal);

    /// <summary>Every 6-digit group of every key above: none may appear in an exception message.</summary>
    public static IEnumerable<string> AllKeyGroups =>
        new[] { PublishedKey, Key1, Key2, Key3, Key1WithGroup7Mistyped }.SelectMany(k => k.Split('-')).Distinct();
}
