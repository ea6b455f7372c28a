using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.HostOps;

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
    public JobRecord Start(JobKind kind, Guid hostId, Guid? sessionId, Actor actor)
    {
        var job = database.Write(() =>
        {
            var host = escrow.GetHost(hostId);
            if (access.Find(hostId) is null)
                throw ProblemException.Conflict("no-ssh-access", $"Host {host.Name} has no SSH access: set it with PUT /api/hosts/{hostId}/ssh first.");
            var active = jobs.ActiveForHost(hostId);
            if (kind == JobKind.Collect && active.FirstOrDefault(j => j.Kind == JobKind.Collect) is { } running)
                return running;
            if (kind != JobKind.Collect && active.FirstOrDefault(j => j.Mutating) is { } busy)
                throw ProblemException.Conflict("host-busy", $"Job {busy.Id} ({busy.Kind}) is already changing host {host.Name}; wait for it or cancel it.");
            var now = AuditChain.Truncate(time.GetUtcNow());
            var created = JobMachine.Create(Guid.NewGuid(), kind, hostId, host.Name, sessionId, actor.Name, now);
            jobs.Insert(created);
            audit.Append(new AuditEntry(actor.Name, "job.created", EscrowService.Target(host), AuditEntry.Success, actor.ClientAddress,
                $"job {created.Id}; kind {kind}" + (sessionId is { } s ? $"; session {s}" : "")));
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
            if (job.Mutating && jobs.ActiveForHost(job.HostId).FirstOrDefault(j => j.Mutating && j.Id != id) is { } busy)
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
