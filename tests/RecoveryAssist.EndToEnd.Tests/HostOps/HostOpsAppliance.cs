using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

/// <summary>
/// The appliance in-process (real Kestrel, real LiteDB, real SSH.NET) wired to the shared sshd fixture,
/// with short timeouts and retry delays. Tests reach its services directly and through HTTP.
/// </summary>
internal sealed class HostOpsAppliance : IAsyncDisposable
{
    public static readonly string[] FastSettings =
    [
        $"--{HostOpsOptions.Section}:ConnectTimeoutSeconds=10",
        $"--{HostOpsOptions.Section}:CommandTimeoutSeconds=15",
        $"--{HostOpsOptions.Section}:MaxAttempts=2",
        $"--{HostOpsOptions.Section}:CriticalMaxAttempts=6",
        $"--{HostOpsOptions.Section}:RetryDelayMilliseconds=50",
        $"--{HostOpsOptions.Section}:MaxRetryDelaySeconds=1",
        $"--{HostOpsOptions.Section}:WaitForSshSeconds=6",
        $"--{HostOpsOptions.Section}:WaitForSshPollSeconds=1",
        $"--{HostOpsOptions.Section}:RecoveryWatchSeconds=0",
    ];

    private readonly TestAppliance _appliance;

    private HostOpsAppliance(TestAppliance appliance, StepHooks observer)
    {
        _appliance = appliance;
        Observer = observer;
    }

    public string DataDirectory => _appliance.DataDirectory;

    public Uri Address => _appliance.Address;

    /// <summary>A handler that trusts the appliance's certificate.</summary>
    public HttpClientHandler Handler() => _appliance.Handler();

    /// <summary>The command line with a token, trusting the appliance's certificate.</summary>
    public CliProcess Cli(string token) => _appliance.Cli(token);

    public StepHooks Observer { get; }

    public IServiceProvider Services => _appliance.Services;

    /// <summary>An API token of a new user of <paramref name="role"/>, for the command line or an HTTP client.</summary>
    public string CreateToken(string role) => _appliance.CreateToken(role);

    public EscrowService Escrow => Services.GetRequiredService<EscrowService>();

    public EscrowReports Reports => Services.GetRequiredService<EscrowReports>();

    public HostOpsService Jobs => Services.GetRequiredService<HostOpsService>();

    public HostSshAccess Access => Services.GetRequiredService<HostSshAccess>();

    public AlertService Alerts => Services.GetRequiredService<AlertService>();

    public RecoverySessionService Sessions => Services.GetRequiredService<RecoverySessionService>();

    public PolicyService Policy => Services.GetRequiredService<PolicyService>();

    /// <summary>The audit records about a host, oldest first.</summary>
    public IReadOnlyList<RecoveryAssist.Server.Features.Audit.AuditRecord> Audit(HostRecord host) =>
        Services.GetRequiredService<RecoveryAssist.Server.Features.Audit.AuditLog>().Read(0, 10_000, $"host:{host.Name}");

    public static Actor Tester { get; } = new("tester", null);

    public static Task<HostOpsAppliance> StartAsync(params string[] settings) => StartInAsync(null, settings);

    /// <summary>Starts on a given data directory (where a stopped appliance left off), or on a new one (null).</summary>
    public static async Task<HostOpsAppliance> StartInAsync(string? dataDirectory, params string[] settings)
    {
        var observer = new StepHooks();
        var appliance = await TestAppliance.StartAsync(b => b.Services.AddSingleton<IJobObserver>(observer), dataDirectory, [.. FastSettings, .. settings]);
        return new HostOpsAppliance(appliance, observer);
    }

    /// <summary>Stops the appliance and keeps its data directory, to start again on it.</summary>
    public Task StopAsync() => _appliance.StopAsync();

    /// <summary>A client presenting the API token of a new user of <paramref name="role"/>.</summary>
    public HttpClient WithToken(string role) => _appliance.WithToken(role);

    /// <summary>Enrols a simulated host: the host record and its SSH access (its key, or its password).</summary>
    public HostRecord Enrol(SimulatedHostConnection connection, IReadOnlyList<string>? tags = null)
    {
        var host = Escrow.CreateHost(new HostInput(connection.HostName, ManagementAddress: connection.Address, Tags: tags), Tester);
        Access.Set(host.Id, new SshAccessInput(connection.UserName, connection.Port, connection.Address, connection.Password, connection.PrivateKeyPem), Tester);
        return host;
    }

    /// <summary>Waits until the job is no longer pending or running.</summary>
    public async Task<JobRecord> WaitAsync(Guid jobId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var job = Jobs.Get(jobId);
            if (!job.IsActive)
                return job;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Job {jobId} is still {job.State} at {job.Steps.FirstOrDefault(s => s.State != StepState.Succeeded)?.Kind}.");
            await Task.Delay(25);
        }
    }

    /// <summary>Waits until the job is in <paramref name="state"/> (e.g. needs a person), failing fast if it ends otherwise.</summary>
    public async Task<JobRecord> WaitForStateAsync(Guid jobId, JobState state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var job = Jobs.Get(jobId);
            if (job.State == state)
                return job;
            if (!job.IsActive)
                throw new InvalidOperationException($"Job {jobId} ended {job.State} ({job.Error}), not {state}.");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Job {jobId} is still {job.State} at {job.Steps.FirstOrDefault(s => s.State != StepState.Succeeded)?.Kind}, not {state}.");
            await Task.Delay(25);
        }
    }

    public async Task<JobRecord> RunAsync(JobKind kind, Guid hostId, Guid? sessionId = null) =>
        await WaitAsync(Jobs.Start(kind, hostId, sessionId, Tester).Id);

    /// <summary>The escrowed version holding this Recovery ID and key (it must open), or null.</summary>
    public KeyVersionRecord? Escrowed(Guid hostId, string recoveryId, string key) =>
        Escrow.FindVersion(hostId, new RecoveryListEntry(RecoveryId.Parse(recoveryId), RecoveryKey.Parse(key, KeyCheck.Warn)));

    /// <summary>
    /// The invariant: the key of the host's running configuration and the key of its saved configuration
    /// (state.tgz, what protects it at the next boot) are both escrowed versions that open.
    /// </summary>
    public void AssertInvariant(SshdFixture sshd, string hostName, Guid hostId, string because)
    {
        var state = sshd.Hosts.Get(hostName);
        Escrowed(hostId, state.Config.RecoveryId, state.Config.RecoveryKey).Should().NotBeNull($"the running key must be escrowed ({because})");
        Escrowed(hostId, state.SavedConfig.RecoveryId, state.SavedConfig.RecoveryKey).Should().NotBeNull($"the saved key must be escrowed ({because})");
    }

    public ValueTask DisposeAsync() => _appliance.DisposeAsync();

    /// <summary>Runs test actions when a job on a given host reaches a given step (e.g. arm a fault just before it acts).</summary>
    internal sealed class StepHooks : IJobObserver
    {
        private readonly ConcurrentDictionary<(Guid Host, StepKind Step), Action<JobRecord, StepRecord>> _onStep = new();

        public void OnStep(Guid hostId, StepKind step, Action<JobRecord, StepRecord> action) => _onStep[(hostId, step)] = action;

        public void StepStarting(JobRecord job, int index)
        {
            var step = job.Steps[index];
            if (_onStep.TryGetValue((job.HostId, step.Kind), out var action))
                action(job, step);
        }

        public void JobFinished(JobRecord job)
        {
        }
    }
}
