using System.CommandLine;
using System.Text.Json;

namespace RecoveryAssist.Cli.Remote;

/// <summary>Host operations: <c>collect</c>, <c>rotate</c> and <c>job list|show|cancel|retry|resume</c>, with <c>--wait</c> where a job starts.</summary>
internal static class JobCommands
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static IEnumerable<Command> Build(CliConsole console)
    {
        yield return Collect(console);
        yield return Rotate(console);
        yield return Job(console);
    }

    public static Option<bool> WaitOption() => new("--wait")
    {
        Description = "Wait for the job: exit 0 when it succeeds, 2 when it fails, 3 when it waits for a person (stderr says what to do).",
    };

    private static Command Collect(CliConsole console)
    {
        var host = new Argument<string?>("HOST") { Description = "The host to collect.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Every host with SSH access (one job each)." };
        var wait = WaitOption();
        var command = new Command("collect", "Read a host's key, policy and facts and escrow the key.") { host, all, wait };
        command.SetAction((result, _) => RunJob(console, result, wait, async client =>
        {
            if (result.GetValue(all) == (result.GetValue(host) is not null))
                throw new ApiException(ExitCodes.InvalidInput, "give HOST or --all");
            if (result.GetValue(all))
            {
                RemoteCommands.Print(console, await client.PostAsync("/api/collect", null).ConfigureAwait(false));
                return null;
            }
            var found = await RemoteCommands.FindHostAsync(client, result.GetValue(host)!).ConfigureAwait(false);
            return await client.PostAsync($"/api/hosts/{found.GetProperty("id").GetString()}/collect", null).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Rotate(CliConsole console)
    {
        var host = new Argument<string>("HOST") { Description = "The host whose key to rotate." };
        var wait = WaitOption();
        var command = new Command("rotate", "Rotate a host's recovery key and escrow the new one.") { host, wait };
        command.SetAction((result, _) => RunJob(console, result, wait, async client =>
        {
            var found = await RemoteCommands.FindHostAsync(client, result.GetValue(host)!).ConfigureAwait(false);
            return await client.PostAsync($"/api/hosts/{found.GetProperty("id").GetString()}/rotate", null).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Job(CliConsole console)
    {
        var job = new Command("job", "Jobs: list, show, cancel, retry, resume.");

        var host = new Option<string?>("--host") { Description = "Only this host's jobs." };
        var state = new Option<string?>("--state") { Description = "pending, running, needsPerson, succeeded, failed or cancelled." };
        var list = new Command("list", "Jobs, newest first (JSON).") { host, state };
        list.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var query = "?take=1000";
            if (result.GetValue(host) is { } name)
                query += "&host=" + (await RemoteCommands.FindHostAsync(client, name).ConfigureAwait(false)).GetProperty("id").GetString();
            if (result.GetValue(state) is { } s)
                query += "&state=" + Uri.EscapeDataString(s);
            RemoteCommands.Print(console, await client.GetAsync("/api/jobs/" + query).ConfigureAwait(false));
        }));
        job.Add(list);

        var showId = Id();
        var show = new Command("show", "A job with every step and its (redacted) output.") { showId };
        show.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync($"/api/jobs/{JobId(result.GetValue(showId)!)}").ConfigureAwait(false));
        }));
        job.Add(show);

        job.Add(Action(console, "cancel", "Cancel a job (one inside a rotation stops once the new key is escrowed)."));
        job.Add(Action(console, "retry", "Try a failed or cancelled job again from the step where it stopped."));
        job.Add(Action(console, "resume", "Say you acted on the host: a job waiting for a person looks again now."));
        return job;
    }

    private static Command Action(CliConsole console, string name, string description)
    {
        var id = Id();
        var wait = WaitOption();
        var command = new Command(name, description) { id };
        if (name != "cancel")
            command.Add(wait);
        command.SetAction((result, _) => RunJob(console, result, wait, async client =>
            await client.PostAsync($"/api/jobs/{JobId(result.GetValue(id)!)}/{name}", null).ConfigureAwait(false)));
        return command;
    }

    private static Argument<string> Id() => new("ID") { Description = "The job id." };

    private static string JobId(string text) =>
        Guid.TryParse(text.Trim(), out var id) ? id.ToString() : throw new ApiException(ExitCodes.InvalidInput, $"'{text}' is not a job id");

    /// <summary>Starts (or acts on) a job, prints it, and with --wait follows it to its end or to a stop for a person.</summary>
    /// <param name="start">Returns the job, or null when it printed something else (no job to follow).</param>
    public static Task<int> RunJob(CliConsole console, ParseResult result, Option<bool> wait, Func<ApiClient, Task<JsonElement?>> start) =>
        RunWithCode(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            if (await start(client).ConfigureAwait(false) is not { } job)
                return ExitCodes.Success;
            if (!result.GetValue(wait))
            {
                RemoteCommands.Print(console, job);
                return ExitCodes.Success;
            }
            return await FollowAsync(console, client, job.GetProperty("id").GetString()!).ConfigureAwait(false);
        });

    public static async Task<int> FollowAsync(CliConsole console, ApiClient client, string jobId)
    {
        while (true)
        {
            var job = await client.GetAsync($"/api/jobs/{jobId}").ConfigureAwait(false);
            var state = job.GetProperty("state").GetString();
            if (state is "pending" or "running")
            {
                await Task.Delay(PollInterval).ConfigureAwait(false);
                continue;
            }
            RemoteCommands.Print(console, job);
            switch (state)
            {
                case "succeeded":
                    return ExitCodes.Success;
                case "needsPerson":
                    await console.Error.WriteLineAsync($"needs a person: {job.GetProperty("attention").GetString()}; the job goes on by itself afterwards (or: recoveryassist job resume {jobId})").ConfigureAwait(false);
                    return ExitCodes.NeedsPerson;
                default:
                    await console.Error.WriteLineAsync($"error: job {jobId} {state}: {(job.TryGetProperty("error", out var e) ? e.GetString() : null)}").ConfigureAwait(false);
                    return ExitCodes.Failure;
            }
        }
    }

    /// <summary>Like <see cref="RemoteCommands.Run"/>, for actions that choose their exit code.</summary>
    public static async Task<int> RunWithCode(CliConsole console, Func<Task<int>> action)
    {
        var code = ExitCodes.Success;
        var failed = await RemoteCommands.Run(console, async () => code = await action().ConfigureAwait(false)).ConfigureAwait(false);
        return failed != ExitCodes.Success ? failed : code;
    }
}
