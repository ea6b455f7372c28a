using System.Text.RegularExpressions;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>What <c>vmware -vl</c> (or <c>vmware -v</c>) prints.</summary>
/// <param name="Version">e.g. <c>8.0.2</c>.</param>
/// <param name="Build">The build number without <c>build-</c>, e.g. <c>22380479</c>.</param>
/// <param name="Release">The second line of <c>-vl</c> without the product name, e.g. <c>8.0 Update 2</c>; null for <c>-v</c>.</param>
public sealed record EsxiVersion(string Version, string Build, string? Release);

/// <summary>
/// Parses <c>vmware -vl</c>:
/// <code>
/// VMware ESXi 8.0.2 build-22380479
/// VMware ESXi 8.0 Update 2
/// </code>
/// The shape is recalled from hosts and NOT confirmed against a published sample; the second line
/// is taken as free text after "VMware ESXi " (Update N, GA, patch names vary).
/// </summary>
public static partial class EsxiVersionParser
{
    /// <exception cref="EsxcliParseException">The output is not one or two such lines.</exception>
    public static EsxiVersion Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = TextLines.NonBlank(output);
        if (lines.Count == 0)
            throw new EsxcliParseException(1, "expected the output of vmware -vl, found nothing");
        var first = VersionLine().Match(lines[0].Text.Trim());
        if (!first.Success)
            throw new EsxcliParseException(lines[0].Number, "expected \"VMware ESXi <version> build-<number>\"");
        if (lines.Count > 2)
            throw new EsxcliParseException(lines[2].Number, "expected at most two lines, as vmware -vl prints");

        string? release = null;
        if (lines.Count == 2)
        {
            var second = ReleaseLine().Match(lines[1].Text.Trim());
            if (!second.Success)
                throw new EsxcliParseException(lines[1].Number, "expected \"VMware ESXi <release>\" such as \"VMware ESXi 8.0 Update 2\"");
            release = second.Groups["release"].Value;
        }
        return new EsxiVersion(first.Groups["version"].Value, first.Groups["build"].Value, release);
    }

    [GeneratedRegex(@"^VMware ESXi (?<version>\d+(?:\.\d+){1,3}) build-(?<build>\d+)$")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^VMware ESXi (?<release>\d+(?:\.\d+){0,3}(?: [A-Za-z0-9 ._-]+)?)$")]
    private static partial Regex ReleaseLine();
}
