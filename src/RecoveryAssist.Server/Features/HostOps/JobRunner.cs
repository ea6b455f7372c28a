using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>Sees jobs move (tests use it to inject faults at a given step and to check invariants).</summary>
internal interface IJobObserver
{
    /// <summary>Called after the step's start is persisted, before it acts.</summary>
    void StepStarting(JobRecord job, int index);

    /// <summary>Called with a step's outcome, in the transaction that persists it (a confirmed save is recorded with the step that confirmed it).</summary>
    void StepFinished(JobRecord job, int index)
    {
    }

    /// <summary>Called after the job reached a final state and it was persisted.</summary>
    void JobFinished(JobRecord job);
}

/// <summary>
/// The hosted job runner. Resumes every unfinished job at start (a step that was running when the
/// appliance stopped runs again: steps are idempotent or guarded); runs jobs of one host one after
/// another and jobs of different hosts side by side (SSH connections bounded by the connector).
/// Every step's start is persisted before it acts, and its outcome right after.
/// </summary>
internal sealed class JobRunner : BackgroundService
{
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, byte> _queued = new();
    private readonly ConcurrentDictionary<Guid, byte> _again = new();
    private readonly ConcurrentDictionary<Guid, DateTime> _wakes = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _hostLocks = new();
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _cancels = new();
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly SemaphoreSlim _collectSlots;
    private readonly JobStore _jobs;
    private readonly AppDatabase _database;
    private readonly StepExecutor _executor;
    private readonly HostSshAccess _access;
    private readonly ISshConnector _connector;
    private readonly AlertService _alerts;
    private readonly HostOpsOptions _options;
    private readonly TimeProvider _time;
    private readonly IEnumerable<IJobObserver> _observers;
    private readonly ILogger<JobRunner> _logger;

    public JobRunner(JobStore jobs, AppDatabase database, StepExecutor executor, HostSshAccess access, ISshConnector connector, AlertService alerts,
        IOptions<HostOpsOptions> options, TimeProvider time, IEnumerable<IJobObserver> observers, ILogger<JobRunner> logger)
    {
        _jobs = jobs;
        _database = database;
        _executor = executor;
        _access = access;
        _connector = connector;
        _alerts = alerts;
        _options = options.Value;
        _time = time;
        _observers = observers;
        _logger = logger;
        // Collections come in bulk (all hosts at once): they queue here, so that a job's time is its own work,
        // not a wait for a connection. Rotations and recoveries never wait behind them for a slot.
        _collectSlots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
    }

    /// <summary>Queues a job to run (again). A job queued or running now runs once more after it stops, so that no wake-up is lost.</summary>
    public void Enqueue(Guid jobId)
    {
        if (_queued.TryAdd(jobId, 0))
            _queue.Writer.TryWrite(jobId);
        else
            _again.TryAdd(jobId, 0);
    }

    /// <summary>Wakes a running job's waits so that its cancel request is seen now (it still ends only at a safe point).</summary>
    public void SignalCancel(Guid jobId)
    {
        if (_cancels.TryGetValue(jobId, out var cancel))
            cancel.Cancel();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var job in _jobs.Active())
        {
            if (job.Steps.FirstOrDefault(s => s.State is StepState.Running or StepState.Failed) is { } interrupted)
                HostOpsLog.JobResumed(_logger, job.Id, interrupted.Kind, job.HostName);
            Enqueue(job.Id);
        }
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                _running[id] = RunAsync(id, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_running.Values).ConfigureAwait(false);
    }

    private async Task RunAsync(Guid id, CancellationToken stopping)
    {
        await Task.Yield();
        JobRecord? job = null;
        var crashed = false;
        try
        {
            job = _jobs.Get(id);
            if (job is null || !job.IsActive)
                return;
            var hostLock = _hostLocks.GetOrAdd(job.HostId, _ => new SemaphoreSlim(1, 1));
            var slot = job.Kind == JobKind.Collect ? _collectSlots : null;
            if (slot is not null)
                await slot.WaitAsync(stopping).ConfigureAwait(false);
            try
            {
                await hostLock.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    await RunLockedAsync(id, stopping).ConfigureAwait(false);
                }
                finally
                {
                    hostLock.Release();
                }
            }
            finally
            {
                slot?.Release();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The appliance is stopping: the job stays as persisted and resumes at the next start.
        }
        catch (Exception e)
        {
            HostOpsLog.JobCrashed(_logger, e, id, job?.HostName ?? "?");
            crashed = true;
        }
        finally
        {
            _queued.TryRemove(id, out _);
            _running.TryRemove(id, out _);
            if (_again.TryRemove(id, out _) && !stopping.IsCancellationRequested)
                Enqueue(id);
        }
        // A job is never left pending with nobody to run it: after an unexpected error it is queued again
        // (its steps' attempt counts still bound the work it does on the host).
        if (crashed && !stopping.IsCancellationRequested)
            _ = EnqueueLaterAsync(id, _options.Retry.MaxDelay, stopping);
    }

    /// <param name="due">Runs when the delay is over (or the appliance stops), before the job is queued.</param>
    private async Task EnqueueLaterAsync(Guid id, TimeSpan delay, CancellationToken stopping, Action? due = null)
    {
        try
        {
            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _time, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            due?.Invoke();
            return;
        }
        due?.Invoke();
        Enqueue(id);
    }

    /// <summary>
    /// A job waiting for a person holds neither the host's lock nor a connection: it is queued again when
    /// its re-check is due (one timer per job and due time).
    /// </summary>
    private void WakeAt(Guid id, DateTime until, DateTime now, CancellationToken stopping)
    {
        if (_wakes.TryGetValue(id, out var pending) && pending <= until)
            return;
        _wakes[id] = until;
        // The timer is forgotten before the job is queued, so that the run it starts can arm the next one.
        _ = EnqueueLaterAsync(id, until - now, stopping, () => _wakes.TryRemove(new KeyValuePair<Guid, DateTime>(id, until)));
    }

    private async Task RunLockedAsync(Guid id, CancellationToken stopping)
    {
        var job = _jobs.Get(id);
        if (job is null || !job.IsActive)
            return;
        using var cancel = new CancellationTokenSource();
        _cancels[id] = cancel;
        if (job.CancelRequested)
            cancel.Cancel();
        var session = new HostSession(job.HostId, _access, _connector, _options.CommandTimeout, _logger);
        await using (session.ConfigureAwait(false))
        {
            try
            {
                while (true)
                {
                    var now = Now();
                    var decision = JobMachine.Next(job, now);
                    switch (decision.Kind)
                    {
                        case DecisionKind.None:
                            return;
                        case DecisionKind.Succeed:
                            JobMachine.Succeed(job, now);
                            Finish(job);
                            return;
                        case DecisionKind.Cancel:
                            JobMachine.Cancel(job, now);
                            Finish(job);
                            return;
                        case DecisionKind.Park:
                            if (decision.Until is { } until)
                                WakeAt(job.Id, until, now, stopping);
                            return;
                        case DecisionKind.Wait:
                            await session.CloseAsync().ConfigureAwait(false);
                            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancel.Token))
                            {
                                try
                                {
                                    // A cancel already seen must not cut every wait short (the job may be inside the rotation window).
                                    await Task.Delay(decision.Until!.Value - now, _time, cancel.IsCancellationRequested ? stopping : wake.Token).ConfigureAwait(false);
                                }
                                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                                {
                                    job.CancelRequested = true;
                                }
                            }
                            continue;
                        case DecisionKind.RunStep:
                            if (!await RunStepAsync(job, decision.StepIndex, session, stopping, cancel).ConfigureAwait(false))
                                return;
                            continue;
                    }
                }
            }
            finally
            {
                _cancels.TryRemove(id, out _);
            }
        }
    }

    /// <returns>False when the job was cancelled from outside before it started.</returns>
    private async Task<bool> RunStepAsync(JobRecord job, int index, HostSession session, CancellationToken stopping, CancellationTokenSource cancel)
    {
        var step = job.Steps[index];
        JobMachine.Begin(job, index, Now());
        if (!Save(job))
            return false;
        HostOpsLog.StepStarted(_logger, job.Id, step.Kind, step.Attempts, job.HostName);
        foreach (var observer in _observers)
            observer.StepStarting(job, index);

        var wasWaiting = job.Attention is not null;
        var outcome = await _executor.ExecuteAsync(job, index, session, stopping, cancel.Token).ConfigureAwait(false);
        if (cancel.IsCancellationRequested)
            job.CancelRequested = true;
        var wasCritical = JobMachine.InCriticalSection(job);
        JobMachine.Complete(job, index, outcome, _options.Retry, Now());
        if (outcome.Kind == OutcomeKind.NeedsPerson)
            return await ParkAsync(job, step, session, alert: !wasWaiting).ConfigureAwait(false);
        var failed = outcome.Kind != OutcomeKind.Succeeded;
        // The outcome and its alert commit together: whoever sees the job failed also sees why.
        var saved = _database.Write(() =>
        {
            if (!Save(job))
                return false;
            foreach (var observer in _observers)
                observer.StepFinished(job, index);
            if (wasWaiting)
                _alerts.JobChanged(job);
            if (failed && job.State == JobState.Failed)
            {
                var atRisk = wasCritical && JobMachine.InCriticalSection(job);
                _alerts.Raise(atRisk ? AlertKind.EscrowAtRisk : outcome.Alert ?? AlertKind.JobFailed, job.HostId, job.HostName, job.Id,
                    (atRisk ? "the host may hold a rotated key the escrow does not: retry this job as soon as the host answers. " : "")
                    + $"{job.Kind} job stopped at {step.Kind}: {step.Message}");
            }
            else if (failed && wasCritical && step.FailuresInRow == 1)
            {
                _alerts.Raise(AlertKind.EscrowAtRisk, job.HostId, job.HostName, job.Id,
                    $"{step.Kind} failed after the rotate started ({step.Message}); retrying until the new key is escrowed");
            }
            return true;
        });
        if (!saved)
            return false;
        if (failed)
        {
            HostOpsLog.StepFailed(_logger, job.Id, step.Kind, step.Attempts, job.HostName, step.Message ?? "");
            if (job.State == JobState.Failed)
                Finish(job, saved: true);
            if (outcome.Kind == OutcomeKind.Transient)
                await session.CloseAsync().ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>The step waits for a person: the job and (the first time) its alert commit together, and the connection closes.</summary>
    private async Task<bool> ParkAsync(JobRecord job, StepRecord step, HostSession session, bool alert)
    {
        var saved = _database.Write(() =>
        {
            if (!Save(job))
                return false;
            if (alert)
                _alerts.Raise(AlertKind.NeedsPerson, job.HostId, job.HostName, job.Id, $"{job.Kind} job waits at {step.Kind}: {job.Attention}");
            return true;
        });
        if (saved)
            HostOpsLog.JobNeedsPerson(_logger, job.Id, step.Kind, job.HostName, job.Attention ?? "");
        await session.CloseAsync().ConfigureAwait(false);
        return saved;
    }

    private void Finish(JobRecord job, bool saved = false)
    {
        // Before the observers: whoever sees the job finished also sees the alerts it cleared.
        _database.Write(() =>
        {
            if (!saved)
                Save(job);
            _alerts.JobChanged(job);
        });
        HostOpsLog.JobFinished(_logger, job.Id, job.Kind, job.HostName, job.State);
        foreach (var observer in _observers)
            observer.JobFinished(job);
    }

    /// <summary>
    /// Persists the job, keeping a cancel request made meanwhile. False (nothing written) when the job was
    /// cancelled from outside before it started.
    /// </summary>
    private bool Save(JobRecord job) => _database.Write(() =>
    {
        var stored = _jobs.Get(job.Id);
        if (stored is { State: JobState.Cancelled } && job.IsActive)
            return false;
        job.CancelRequested |= stored?.CancelRequested ?? false;
        _jobs.Save(job);
        return true;
    });

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());
}
