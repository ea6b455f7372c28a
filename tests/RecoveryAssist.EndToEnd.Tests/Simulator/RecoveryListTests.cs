using System.Xml.Linq;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class RecoveryListTests(SshdFixture sshd)
{
    private const string ListCommand = "esxcli system settings encryption recovery list";

    [SshdFact]
    public void List_OneLineLayout_PrintsPublishedTableWithKeyBesideId()
    {
        var host = sshd.AddHost(HostNames.Next());
        var config = sshd.Hosts.Get(host.HostName).Config;

        var outcome = host.Run(ListCommand);

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().Be(
            "Recovery ID                             Key\n"
            + "--------------------------------------  ---\n"
            + $"{config.RecoveryId}  {config.RecoveryKey}\n");
        RecoveryKey.Parse(config.RecoveryKey).PassesGroupCheck.Should().BeTrue();
        RecoveryId.TryParse(config.RecoveryId, out _).Should().BeTrue();
    }

    [SshdFact]
    public void List_WrappedLayout_SplitsKeyAfterNinthGroupAsInPublishedSample()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.ListLayout = RecoveryListLayout.Wrapped);
        var config = sshd.Hosts.Get(host.HostName).Config;
        var groups = config.RecoveryKey.Split('-');

        var lines = host.Run(ListCommand).Stdout.Split('\n');

        lines[2].Should().Be($"{config.RecoveryId}  {string.Join('-', groups[..9])}");
        lines[3].Should().Be("-" + string.Join('-', groups[9..]));
        lines.Should().HaveCount(5, "header, rule, two key lines, and the empty string after the final newline");
    }

    [SshdTheory]
    [InlineData("--formatter=csv")]
    [InlineData("--formatter csv")]
    public void List_Csv_PrintsSortedHeaderThenRow(string formatterOption)
    {
        var host = sshd.AddHost(HostNames.Next());
        var config = sshd.Hosts.Get(host.HostName).Config;

        var outcome = host.Run($"esxcli {formatterOption} system settings encryption recovery list");

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().Be($"Key,RecoveryID,\n{config.RecoveryKey},{config.RecoveryId},\n");
    }

    [SshdFact]
    public void List_KeyValue_PrintsIndexedStructureFields()
    {
        var host = sshd.AddHost(HostNames.Next());
        var config = sshd.Hosts.Get(host.HostName).Config;

        var outcome = host.Run("esxcli --formatter=keyvalue system settings encryption recovery list");

        outcome.Stdout.Should().Be(
            $"structure[0].RecoveryKey.Key.string={config.RecoveryKey}\n"
            + $"structure[0].RecoveryKey.RecoveryID.string={config.RecoveryId}\n");
    }

    [SshdFact]
    public void List_Xml_PrintsEsxcliDocumentWithFieldsByName()
    {
        var host = sshd.AddHost(HostNames.Next());
        var config = sshd.Hosts.Get(host.HostName).Config;

        var outcome = host.Run("esxcli --formatter=xml system settings encryption recovery list");

        XNamespace ns = "http://www.vmware.com/Products/ESX/5.0/esxcli";
        var document = XDocument.Parse(outcome.Stdout);
        var structure = document.Root!.Element(ns + "root")!.Element(ns + "list")!.Element(ns + "structure")!;
        string FieldValue(string name) => structure.Elements(ns + "field").Single(f => (string?)f.Attribute("name") == name).Element(ns + "string")!.Value;
        FieldValue("Key").Should().Be(config.RecoveryKey);
        FieldValue("RecoveryID").Should().Be(config.RecoveryId);
    }

    [SshdTheory]
    [InlineData("json")]
    [InlineData("python")]
    [InlineData("nonsense")]
    public void List_FormatterNotServedWithoutDebug_FailsWithEsxcliMessage(string formatter)
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run($"esxcli --formatter={formatter} system settings encryption recovery list");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be($"Unable to find requested formatter: {formatter}\n");
    }
}
