using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.PowerCli;

namespace RecoveryAssist.Core.Tests.Esxcli;

/// <summary>Parser errors are logged and shown: they must never carry key material from the input.</summary>
public class ExceptionMessageTests
{
    private const string Header = "Recovery ID                             Key\n--------------------------------------  ---\n";

    public static TheoryData<string, Func<string, object>> BrokenInputsHoldingKeys
    {
        get
        {
            Func<string, object> list = s => RecoveryListParser.Parse(s);
            Func<string, object> settings = s => EncryptionSettingsParser.Parse(s);
            Func<string, object> powerCli = s => PowerCliExportParser.Parse(s);
            var bad = ParserFixtures.Key1WithGroup7Mistyped;
            var k1 = ParserFixtures.Key1;
            var id = ParserFixtures.Id1;
            return new()
            {
                { Header + id + "  " + bad + "\n", list },
                { Header + id + "  " + k1[..60] + "\n" + k1[60..] + " x\n", list },
                { Header + k1 + "\n", list },
                { Header + id + "  " + k1 + "-123456\n", list },
                { Header + id + "  " + k1.Replace('-', ' ') + "\n", list },
                { "Key,RecoveryID,\n" + bad + "," + id + ",\n", list },
                { "Key,RecoveryID,\n\"" + k1 + "," + id + ",\n", list },
                { "Key,RecoveryID,\n" + k1 + ",\n", list },
                { "structure[0].R.Key.string=" + bad + "\nstructure[0].R.RecoveryID.string=" + id + "\n", list },
                { "R.Key.string=" + k1 + "\n" + k1 + "\n", list },
                { "<output><root><structure><field name=\"Key\"><string>" + k1 + "</strin></field></structure></root></output>", list },
                { "<output><root><structure><field name=\"Key\"><string>" + k1 + "</string></field></structure></root></output>", list },
                { "<output><root><" + k1 + "/></root></output>", list },
                { k1 + "\n", list },
                { "   Mode: " + k1 + "\n   Require Secure Boot: true\n   Require Executables Only From Installed VIBs: false\n", settings },
                { "   Mode: TPM\n" + k1 + "\n", settings },
                { "RecoveryID,Key\n" + id + "," + bad + "\n", powerCli },
                { "RecoveryID,Key\n" + k1 + "," + k1 + "\n", powerCli },
                { "RecoveryID,Key\n" + id + ",\"" + k1 + "\n", powerCli },
                { k1 + "\n", powerCli },
            };
        }
    }

    [Theory]
    [MemberData(nameof(BrokenInputsHoldingKeys))]
    public void Parse_BrokenInputHoldingKey_MessageHasNoKeyDigits(string input, Func<string, object> parse)
    {
        var act = () => parse(input);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().NotBeNull();
        error.InnerException.Should().BeNull();
        foreach (var group in ParserFixtures.AllKeyGroups)
            error.Message.Should().NotContain(group);
    }
}
