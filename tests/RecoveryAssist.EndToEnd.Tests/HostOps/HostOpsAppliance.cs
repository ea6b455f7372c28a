using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Hosting;

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

    private readonly WebApplication _app;

    private HostOpsAppliance(WebApplication app, string dataDirectory, Uri address, StepHooks observer)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Address = address;
        Observer = observer;
    }

    public string DataDirectory { get; }

    public Uri Address { get; }

    public StepHooks Observer { get; }

    public IServiceProvider Services => _app.Services;

    public EscrowService Escrow => Services.GetRequiredService<EscrowService>();

    public HostOpsService Jobs => Services.GetRequiredService<HostOpsService>();

    public HostSshAccess Access => Services.GetRequiredService<HostSshAccess>();

    public HostOpsAlerts Alerts => Services.GetRequiredService<HostOpsAlerts>();

    public RecoverySessionService Sessions => Services.GetRequiredService<RecoverySessionService>();

    public PolicyService Policy => Services.GetRequiredService<PolicyService>();

    /// <summary>The audit records about a host, oldest first.</summary>
    public IReadOnlyList<RecoveryAssist.Server.Features.Audit.AuditRecord> Audit(HostRecord host) =>
        Services.GetRequiredService<RecoveryAssist.Server.Features.Audit.AuditLog>().Read(0, 10_000, $"host:{host.Name}");

    public static Actor Tester { get; } = new("tester", null);

    public static Task<HostOpsAppliance> StartAsync(params string[] settings) =>
        StartInAsync(Path.Combine(Path.GetTempPath(), "ra-hostops-" + Guid.NewGuid().ToString("N")), settings);

    /// <summary>Starts on a given data directory (to restart an appliance that was disposed).</summary>
    public static async Task<HostOpsAppliance> StartInAsync(string dataDirectory, params string[] settings)
    {
        var observer = new StepHooks();
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--RecoveryAssist:DataDirectory={dataDirectory}",
            "--Logging:LogLevel:Default=Warning",
            .. FastSettings,
            .. settings,
        ];
        var app = AppHost.Build(args, b => b.Services.AddSingleton<IJobObserver>(observer), new StringWriter());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HostOpsAppliance(app, dataDirectory, new Uri(address), observer);
    }

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

    /// <summary>An HTTP client signed in with an API token of a new user in <paramref name="role"/>.</summary>
    public HttpClient Client(Role role)
    {
        var client = new HttpClient { BaseAddress = Address };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(role));
        return client;
    }

    /// <summary>A token for <paramref name="role"/> (for the command line, which takes it from RECOVERYASSIST_TOKEN).</summary>
    public string Token(Role role)
    {
        var users = Services.GetRequiredService<UserService>();
        var name = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..24];
        users.Create(name, role, "correct horse battery staple", Actor.System);
        return users.CreateToken(users.Find(name)!, "test", null, null, Actor.System).Token;
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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

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
