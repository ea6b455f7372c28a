using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages;

internal sealed record TodoItem(string Title, string Detail, string Href, string Tone = "");

internal sealed record FleetBar(string Label, int Count, string Class);

internal sealed record FleetView(IReadOnlyList<FleetBar> Bars, int StaleDays)
{
    public int Max => Bars.Max(b => b.Count);

    public string Summary => string.Join(", ", Bars.Select(b => $"{b.Label}: {b.Count}"));
}

internal sealed class IndexModel(RecoverySessionService sessions, HostOpsService jobs, AlertService alerts, EscrowReports reports, TimeProvider time) : WebPage
{
    public List<TodoItem> Todo { get; } = [];

    public FleetView? Fleet { get; private set; }

    public IReadOnlyList<AlertRecord> Alerts { get; private set; } = [];

    public void OnGet()
    {
        if (Can(Permission.SessionsRead))
        {
            foreach (var s in sessions.List(null, openOnly: true, 0, 200))
            {
                var mine = string.Equals(s.RequestedBy, UserName, StringComparison.OrdinalIgnoreCase);
                if (s.State == SessionState.Opened && !mine && Can(Permission.SessionsApprove))
                    Todo.Add(new($"Approve the recovery of {s.HostName}?", $"{s.RequestedBy} asks: {SessionNames.Of(s.Reason)}, ticket {s.Ticket}.", $"/sessions/{s.Id}", "warn"));
                else if (s.State == SessionState.Opened && mine)
                    Todo.Add(new($"{s.HostName}: waiting for a second person", "Ask a colleague to approve it in the Sessions inbox.", $"/sessions/{s.Id}"));
                else if (s.State == SessionState.Approved && Can(Permission.KeysReveal))
                    Todo.Add(new($"{s.HostName}: approved, ready at the console", s.Path == RecoveryPath.Network ? "Arm the network boot, or show the key at the console." : "Open the console page at the machine and show the key.", $"/sessions/{s.Id}", "warn"));
                else if (s.State is SessionState.Revealed or SessionState.Armed or SessionState.HostSeenUp)
                    Todo.Add(new($"{s.HostName}: {SessionNames.Status(s.State)}", "Follow the steps after the recovery.", $"/sessions/{s.Id}"));
            }
        }
        if (Can(Permission.HostsRead))
        {
            foreach (var job in jobs.List(null, JobState.NeedsPerson, 0, 50))
                Todo.Add(new($"{job.HostName}: a job needs a person", job.Attention ?? "Look at the job.", $"/jobs/{job.Id}", "bad"));
            // What still needs someone: open alerts (acknowledged ones have an owner, resolved ones are history).
            Alerts = alerts.List(new AlertQuery(State: AlertState.Open), 0, 8);
            var coverage = reports.Coverage();
            var since = time.GetUtcNow().UtcDateTime.AddDays(-30);
            var drifted = coverage.RecentDrift.Where(d => d.Time >= since).Select(d => d.HostId).Distinct().Count();
            // One state per host, ranked as the host list ranks them (EscrowReports.KeyState): rotation not saved, then stale.
            var notSaved = coverage.RotationNotSaved.Select(h => h.Id).ToHashSet();
            var stale = coverage.Stale.Select(h => h.Id).Where(id => !notSaved.Contains(id)).Distinct().Count();
            Fleet = new FleetView(
            [
                new("All hosts", coverage.Hosts, "b-total"),
                new("Verified key", Math.Max(0, coverage.WithCurrentKey - stale - notSaved.Count), "b-ok"),
                new("No key", coverage.WithoutKey.Count, "b-none"),
                new("Stale key", stale, "b-stale"),
                new("Rotation not saved", notSaved.Count, "b-stale"),
                new("Drift (30 d)", drifted, "b-drift"),
            ], coverage.StaleAfterDays);
        }
    }
}
