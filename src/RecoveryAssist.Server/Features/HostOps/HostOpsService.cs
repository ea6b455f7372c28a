using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>What to start. Kinds with a fixed plan need only the host (and a session); a planned kind (Policy) brings its steps.</summary>
/// <param name="Steps">The planned steps; null for the kind's fixed plan.</param>
/// <param name="Context">Values the planned steps read (never key material).</param>
/// <param name="Detail">Added to the job's audit record.</param>
/// <param name="Check">Runs inside the transaction that creates the job, after the host-busy check and before <paramref name="Context"/> is read: it may refuse (throw), append its own audit records, or add to a mutable context.</param>
internal sealed record JobRequest(
    JobKind Kind,
    Guid HostId,
    Guid? SessionId = null,
    IReadOnlyList<StepKind>? Steps = null,
    IReadOnlyDictionary<string, string>? Context = null,
    string? Detail = null,
    Action<HostRecord>? Check = null);

/// <summary>Starting, cancelling and retrying jobs, with the rule that at most one job changes a host at a time.</summary>
internal sealed class HostOpsService(
    AppDatabase database,
    JobStore jobs,
    JobRunner runner,
    EscrowService escrow,
    HostSshAccess access,
    AuditLog audit,
    TimeProvider time,
    ILogger<HostOpsService> logger)
{
    /// <summary>
    /// Creates a job and queues it. A collect for a host that already has one queued or running returns that
    /// one; a rotate or post-recovery job is refused (409) while another such job is active on the host.
    /// </summary>
    public JobRecord Start(JobKind kind, Guid hostId, Guid? sessionId, Actor actor) => Start(new JobRequest(kind, hostId, sessionId), actor);

    public JobRecord Start(JobRequest request, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (kind, hostId, sessionId) = (request.Kind, request.HostId, request.SessionId);
        var job = database.Write(() =>
        {
            var host = escrow.GetHost(hostId);
            if (access.Find(hostId) is null)
                throw ProblemException.Conflict("no-ssh-access", $"Host {host.Name} has no SSH access: set it with PUT /api/hosts/{hostId}/ssh first.");
            var active = jobs.ActiveForHost(hostId);
            if (kind == JobKind.Collect && active.FirstOrDefault(j => j.Kind == JobKind.Collect) is { } running)
                return running;
            if (active.FirstOrDefault(j => j.Blocks(kind)) is { } busy)
                throw ProblemException.Conflict("host-busy", $"Job {busy.Id} ({busy.Kind}) is already changing host {host.Name}; wait for it or cancel it.");
            request.Check?.Invoke(host);
            var now = AuditChain.Truncate(time.GetUtcNow());
            var created = JobMachine.Create(Guid.NewGuid(), kind, hostId, host.Name, sessionId, actor.Name, now, request.Steps);
            foreach (var (key, value) in request.Context ?? new Dictionary<string, string>())
                created.Context[key] = value;
            jobs.Insert(created);
            audit.Append(new AuditEntry(actor.Name, "job.created", EscrowService.Target(host), AuditEntry.Success, actor.ClientAddress,
                $"job {created.Id}; kind {kind}" + (sessionId is { } s ? $"; session {s}" : "") + (request.Detail is { } d ? "; " + d : "")));
            return created;
        });
        if (job.State == JobState.Pending)
            HostOpsLog.JobCreated(logger, job.Id, kind, job.HostName, actor.Name);
        runner.Enqueue(job.Id);
        return job;
    }

    /// <summary>A collect job for every host with SSH access.</summary>
    public IReadOnlyList<JobRecord> CollectAll(Actor actor)
    {
        var ids = access.HostIds();
        var started = new List<JobRecord>(ids.Count);
        foreach (var id in ids)
        {
            try
            {
                started.Add(Start(JobKind.Collect, id, null, actor));
            }
            catch (ProblemException)
            {
                // A host deleted meanwhile: nothing to collect.
            }
        }
        return started;
    }

    public JobRecord Get(Guid id) => jobs.Get(id) ?? throw ProblemException.NotFound("The job");

    public IReadOnlyList<JobRecord> List(Guid? hostId, JobState? state, int skip, int take) => jobs.List(hostId, state, skip, take);

    public JobRecord Cancel(Guid id, Actor actor)
    {
        var job = database.Write(() =>
        {
            var job = Get(id);
            if (!JobMachine.RequestCancel(job, AuditChain.Truncate(time.GetUtcNow())))
                throw ProblemException.Conflict("job-finished", $"Job {id} is {job.State.ToString().ToLowerInvariant()}; only a pending or running job can be cancelled.");
            jobs.Save(job);
            audit.Append(new AuditEntry(actor.Name, "job.cancel-requested", $"host:{job.HostName}", AuditEntry.Success, actor.ClientAddress,
                $"job {id}" + (JobMachine.InCriticalSection(job) ? "; takes effect once the rotated key is escrowed" : "")));
            return job;
        });
        runner.SignalCancel(id);
        return job;
    }

    public JobRecord Retry(Guid id, Actor actor)
    {
        var job = database.Write(() =>
        {
            var job = Get(id);
            if (jobs.ActiveForHost(job.HostId).FirstOrDefault(j => j.Blocks(job.Kind) && j.Id != id) is { } busy)
                throw ProblemException.Conflict("host-busy", $"Job {busy.Id} ({busy.Kind}) is already changing host {job.HostName}.");
            if (!JobMachine.Retry(job))
                throw ProblemException.Conflict("job-not-failed", $"Job {id} is {job.State.ToString().ToLowerInvariant()}; only a failed or cancelled job can be retried.");
            jobs.Save(job);
            audit.Append(new AuditEntry(actor.Name, "job.retried", $"host:{job.HostName}", AuditEntry.Success, actor.ClientAddress, $"job {id}"));
            return job;
        });
        runner.Enqueue(id);
        return job;
    }

    /// <summary>
    /// A person acted on the host: the job waiting for them checks again now. A job that goes on already (it is
    /// checking right now, or its own recheck found the person's work done) is left to it and answered as it is;
    /// only a finished job is refused.
    /// </summary>
    public JobRecord Resume(Guid id, Actor actor)
    {
        var job = database.Write(() =>
        {
            var job = Get(id);
            if (job.IsActive && job.State != JobState.NeedsPerson)
                return job;
            if (!JobMachine.Resume(job, AuditChain.Truncate(time.GetUtcNow())))
                throw ProblemException.Conflict("job-not-waiting", $"Job {id} is finished ({job.State.ToString().ToLowerInvariant()}): there is nothing to resume.");
            jobs.Save(job);
            var step = job.Steps.FirstOrDefault(s => s.State == StepState.Waiting)?.Kind;
            audit.Append(new AuditEntry(actor.Name, "job.resumed", $"host:{job.HostName}", AuditEntry.Success, actor.ClientAddress, $"job {id}; at {step}"));
            return job;
        });
        runner.Enqueue(id);
        return job;
    }

    /// <summary>Hosts with SSH access whose current key is older than <paramref name="age"/> and that no job is changing.</summary>
    public IReadOnlyList<Guid> HostsDueForRotation(TimeSpan age)
    {
        var before = AuditChain.Truncate(time.GetUtcNow()) - age;
        var due = new List<Guid>();
        foreach (var record in database.Collection<HostSshRecord>(HostSshAccess.Collection).FindAll())
        {
            var current = escrow.KeyVersions(record.Id).Where(v => v.Status is KeyStatus.Current).ToList();
            if (current.Count == 0 || current.Max(v => v.FirstSeen) > before)
                continue;
            if (jobs.ActiveForHost(record.Id).Any(j => j.Mutating))
                continue;
            due.Add(record.Id);
        }
        return due;
    }
}
