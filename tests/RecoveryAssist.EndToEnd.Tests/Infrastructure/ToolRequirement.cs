namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A program an end-to-end test drives, from a Debian package. Without it the test skips with a clear
/// message, except under CI=true where it fails.
/// </summary>
public sealed class ToolRequirement(string program, string package, string test)
{
    private readonly Lazy<string?> _path = new(() => SshdRequirement.FindOnPath(program));

    public string? SkipReason =>
        _path.Value is null && !SshdRequirement.IsCi
            ? $"{test} skipped: {program} is missing. Install the Debian package {package}; with CI=true this is a failure."
            : null;

    public string EnsureAvailable() => _path.Value ?? throw new InvalidOperationException(
        $"The {test} cannot run: {program} is missing. Install the Debian package {package}"
        + (SshdRequirement.IsCi ? " (CI=true: a missing tool fails the run instead of skipping)." : "."));
}
