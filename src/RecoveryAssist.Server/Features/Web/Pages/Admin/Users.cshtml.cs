using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Web.Pages.Admin;

/// <summary>Users and roles. A one-time password is shown once, in the answer to the post that made it, never in a URL.</summary>
[Requires(Permission.UsersManage)]
internal sealed class UsersModel(UserService users) : WebPage
{
    public IReadOnlyList<UserRecord> Users { get; private set; } = [];

    public string? OneTimePassword { get; private set; }

    public string? ForUser { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostCreate(string? userName, string? role)
    {
        if (!Enum.TryParse<Role>(role, out var parsed))
            Error = "Choose a role.";
        else
            Try(() => (ForUser, OneTimePassword) = (userName, users.Create(userName ?? "", parsed, null, Actor).OneTimePassword));
        Load();
        return Page();
    }

    public IActionResult OnPostLock(string user)
    {
        if (Try(() => users.Lock(user, Actor)))
            return Done($"{user} is locked: their sessions and tokens no longer work.", "/admin/users");
        Load();
        return Page();
    }

    public IActionResult OnPostUnlock(string user)
    {
        if (Try(() => users.Unlock(user, Actor)))
            return Done($"{user} is unlocked.", "/admin/users");
        Load();
        return Page();
    }

    public IActionResult OnPostReset(string user)
    {
        Try(() => (ForUser, OneTimePassword) = (user, users.ResetPassword(user, Actor).OneTimePassword));
        Load();
        return Page();
    }

    private void Load()
    {
        Users = users.List();
    }
}
