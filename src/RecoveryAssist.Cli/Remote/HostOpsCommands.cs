using System.CommandLine;
using System.Text.Json;

namespace RecoveryAssist.Cli.Remote;

/// <summary>Host operations from the command line: collect, rotate, and the jobs that carry them out.</summary>
internal static class HostOpsCommands
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static IEnumerable<Command> Build(CliConsole console)
    {
        yield return Collect(console);
        yield return Rotate(console);
        yield return Job(console);
    }

    /// <summary>--wait: follow the job; exit 0 when it succeeds, 2 when it fails, 3 when it stops for a person.</summary>
    internal static Option<bool> Wait() => new("--wait")
    {
        Description = "Wait for the job: exit 0 if it succeeded, 2 if it failed, 3 if it waits for a person (stderr says what to do; it goes on by itself afterwards).",
    };

    private static Command Collect(CliConsole console)
    {
        var host = new Argument<string?>("HOST") { Description = "The host to collect from (name).", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Collect from every host with SSH access." };
        var wait = Wait();
        var command = new Command("collect", "Read keys, policy and facts from a host (or all hosts) over SSH and escrow what changed.") { host, all, wait };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            var name = result.GetValue(host);
            if (result.GetValue(all) == (name is not null))
                throw new ApiException(ExitCodes.InvalidInput, "name one HOST, or give --all");
            using var client = RemoteSettings.Client(result);
            if (name is null)
            {
                var jobs = await client.PostAsync("/api/collect", null).ConfigureAwait(false);
                if (!result.GetValue(wait))
                {
                    RemoteCommands.Print(console, jobs);
                    return;
                }
                var ended = new List<JsonElement>();
                foreach (var job in jobs.EnumerateArray())
                    ended.Add(await WaitForAsync(client, job.GetProperty("id").GetString()!).ConfigureAwait(false));
                RemoteCommands.Print(console, ended);
                var failed = ended.Count(j => j.GetProperty("state").GetString() != "succeeded");
                if (failed > 0)
                    throw new ApiException(ExitCodes.Failure, $"{failed} of {ended.Count} collection(s) did not succeed (see the jobs above)");
                return;
            }
            var found = await RemoteCommands.FindHostAsync(client, name).ConfigureAwait(false);
            await StartAsync(console, client, $"/api/hosts/{found.GetProperty("id").GetString()}/collect", result.GetValue(wait)).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Rotate(CliConsole console)
    {
        var host = new Argument<string>("HOST") { Description = "The host whose recovery key to rotate (name)." };
        var wait = Wait();
        var command = new Command("rotate", "Rotate a host's recovery key: back up, rotate, escrow and verify the new key, back up again.") { host, wait };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var found = await RemoteCommands.FindHostAsync(client, result.GetValue(host)!).ConfigureAwait(false);
            await StartAsync(console, client, $"/api/hosts/{found.GetProperty("id").GetString()}/rotate", result.GetValue(wait)).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Job(CliConsole console)
    {
        var job = new Command("job", "Host-operation jobs: list, show, cancel, retry, resume.");

        var host = new Option<string?>("--host") { Description = "Only this host's jobs (name)." };
        var state = new Option<string?>("--state") { Description = "Only jobs in this state: pending, running, needsPerson, succeeded, failed, cancelled." };
        var take = new Option<int>("--take") { Description = "At most this many, newest first (default 50).", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List jobs (JSON, newest first).") { host, state, take };
        list.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var query = $"?take={result.GetValue(take)}";
            if (result.GetValue(host) is { } name)
                query += "&host=" + (await RemoteCommands.FindHostAsync(client, name).ConfigureAwait(false)).GetProperty("id").GetString();
            if (result.GetValue(state) is { } s)
                query += "&state=" + Uri.EscapeDataString(s);
            RemoteCommands.Print(console, await client.GetAsync("/api/jobs/" + query).ConfigureAwait(false));
        }));
        job.Add(list);

        job.Add(ById(console, "show", "Show a job with its steps and their (redacted) output.", id => ($"/api/jobs/{id}", false)));
        job.Add(ById(console, "cancel", "Cancel a job (a running one stops at its next safe point).", id => ($"/api/jobs/{id}/cancel", true)));
        job.Add(ById(console, "retry", "Retry a failed or cancelled job from the step it stopped at.", id => ($"/api/jobs/{id}/retry", true)));
        job.Add(Resume(console));
        return job;
    }

    private static Command Resume(CliConsole console)
    {
        var id = new Argument<Guid>("ID") { Description = "The job id." };
        var wait = Wait();
        var command = new Command("resume", "Say you acted on the host: a job that needs a person looks again now (it also does by itself).") { id, wait };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            await StartAsync(console, client, $"/api/jobs/{result.GetValue(id)}/resume", result.GetValue(wait)).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command ById(CliConsole console, string name, string description, Func<Guid, (string Path, bool Post)> route)
    {
        var id = new Argument<Guid>("ID") { Description = "The job id." };
        var command = new Command(name, description) { id };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var (path, post) = route(result.GetValue(id));
            RemoteCommands.Print(console, post ? await client.PostAsync(path, null).ConfigureAwait(false) : await client.GetAsync(path).ConfigureAwait(false));
        }));
        return command;
    }

    private static async Task StartAsync(CliConsole console, ApiClient client, string path, bool wait)
    {
        var job = await client.PostAsync(path, null).ConfigureAwait(false);
        if (!wait)
        {
            RemoteCommands.Print(console, job);
            await console.Error.WriteLineAsync($"job {job.GetProperty("id").GetString()} started: follow it with 'recoveryassist job show {job.GetProperty("id").GetString()}'").ConfigureAwait(false);
            return;
        }
        await FollowAsync(console, client, job.GetProperty("id").GetString()!).ConfigureAwait(false);
    }

    /// <summary>Waits until the job ends or needs a person, prints it, and turns anything but success into the exit code that says so.</summary>
    internal static async Task FollowAsync(CliConsole console, ApiClient client, string jobId)
    {
        var ended = await WaitForAsync(client, jobId).ConfigureAwait(false);
        RemoteCommands.Print(console, ended);
        switch (ended.GetProperty("state").GetString())
        {
            case "succeeded":
                return;
            case "needsPerson":
                throw new ApiException(ExitCodes.NeedsPerson,
                    $"job {jobId} needs a person: {ended.GetProperty("attention").GetString()}; it goes on by itself afterwards (or: recoveryassist job resume {jobId})");
            case var state:
                throw new ApiException(ExitCodes.Failure, $"job {jobId} {state}: {ended.GetProperty("error")}");
        }
    }

    private static async Task<JsonElement> WaitForAsync(ApiClient client, string jobId)
    {
        while (true)
        {
            var job = await client.GetAsync($"/api/jobs/{jobId}").ConfigureAwait(false);
            // A job that needs a person stops here too: waiting for firmware or a reboot can take days.
            if (job.GetProperty("state").GetString() is not ("pending" or "running"))
                return job;
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }
}
