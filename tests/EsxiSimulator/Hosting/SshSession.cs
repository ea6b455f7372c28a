using System.Diagnostics;
using System.Globalization;
using RecoveryAssist.EsxiSimulator.Commands;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EsxiSimulator.Hosting;

/// <summary>
/// One SSH command on one simulated host: sshd starts <c>esxi-sim serve</c> with the host's name and
/// the client's command in SSH_ORIGINAL_COMMAND. The command acts and is recorded under the host's
/// lock; faults that hang or drop strike only after the lock is released (and the change saved).
/// </summary>
internal static class SshSession
{
    /// <summary>A hung session gives up by itself after this, in case nobody ever closes its connection.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(10);

    public static int Run(HostStore store, string host, string? originalCommand, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var text = originalCommand ?? "";
        if (CommandLine.HasShellOperators(text))
        {
            stderr.Write("esxi-sim: pipes, lists, redirections and substitutions are not simulated; send one command.\n");
            return 2;
        }
        var argv = CommandLine.Split(text);
        if (argv is null)
        {
            stderr.Write("sh: syntax error: unterminated quoted string\n");
            return 2;
        }
        var normalized = HostShell.Normalize(argv);

        var (_, outcome) = store.Update(host, state => Act(state, argv, normalized, time.GetUtcNow()), o => !o.HostDown);

        if (outcome.HostDown)
            DropConnection();
        switch (outcome.Fault)
        {
            case FaultKind.Hang:
                Hang();
                return 124;
            case FaultKind.DropConnection:
                DropConnection();
                return 255;
            case FaultKind.Garble:
                stdout.Write(Garble(outcome.Result!.Stdout));
                return 0;
        }
        var result = outcome.Result!;
        stdout.Write(result.Stdout);
        stderr.Write(result.Stderr);
        return result.ExitCode;
    }

    private sealed record Outcome(bool HostDown, CommandResult? Result, FaultKind? Fault);

    private static Outcome Act(HostState state, IReadOnlyList<string> argv, string normalized, DateTimeOffset now)
    {
        if (state.Power != PowerState.Running)
            return new Outcome(true, null, null);

        var fault = state.Faults.FirstOrDefault(f => f.Matches(normalized));
        if (fault?.Times is { } times)
        {
            if (times <= 1)
                state.Faults.Remove(fault);
            else
                fault.Times = times - 1;
        }

        var acts = fault is null
            || fault.Kind == FaultKind.Garble
            || fault.Kind is FaultKind.Hang or FaultKind.DropConnection && fault.AfterAction;
        CommandResult? result = null;
        if (acts)
            result = HostShell.Execute(state, argv, now);
        else if (fault!.Kind == FaultKind.Fail)
            result = new CommandResult((fault.Message ?? $"Error: injected failure of '{normalized}'") + "\n", fault.ExitCode);

        state.CommandLog.Add(new CommandLogEntry
        {
            At = now,
            Command = normalized,
            ExitCode = fault?.Kind is FaultKind.Hang or FaultKind.DropConnection ? null : fault?.Kind == FaultKind.Garble ? 0 : result?.ExitCode,
            Fault = fault?.Kind,
        });
        if (state.CommandLog.Count > HostState.CommandLogLimit)
            state.CommandLog.RemoveRange(0, state.CommandLog.Count - HostState.CommandLogLimit);
        return new Outcome(false, result, fault?.Kind);
    }

    /// <summary>Half the real output, then noise: no parser should accept it.</summary>
    internal static string Garble(string output) => output[..(output.Length / 2)] + "\u00bf%$#@!&*~^ [garbled]\n";

    /// <summary>
    /// Sleeps until the session is gone: when the client closes the connection sshd's session process
    /// exits and this process is re-parented, which ends the hang.
    /// </summary>
    private static void Hang()
    {
        var parent = ParentOf(Environment.ProcessId);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < HangLimit && ParentOf(Environment.ProcessId) == parent)
            Thread.Sleep(100);
    }

    /// <summary>
    /// Drops the SSH connection the way a network failure or a host crash would: kills this session's
    /// sshd processes (never the listener), so the client sees the connection end with no exit status.
    /// </summary>
    private static void DropConnection()
    {
        Console.Out.Flush();
        var pid = ParentOf(Environment.ProcessId);
        var targets = new List<int>();
        while (pid > 1)
        {
            if (Comm(pid) == "sshd")
            {
                if (CommandLineOf(pid).Contains("[listener]", StringComparison.Ordinal) || targets.Count >= 2)
                    break;
                targets.Add(pid);
            }
            pid = ParentOf(pid);
        }
        foreach (var target in targets.AsEnumerable().Reverse())
        {
            try
            {
                using var process = Process.GetProcessById(target);
                process.Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
        Process.GetCurrentProcess().Kill();
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
