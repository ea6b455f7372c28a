using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Web.Pages;

/// <summary>The signed-in person's own API tokens: made (shown once), listed, revoked. Never someone else's.</summary>
internal sealed class TokensModel(UserService users) : WebPage
{
    public IReadOnlyList<ApiTokenRecord> Tokens { get; private set; } = [];

    public string? NewToken { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostCreate(string? name, int? days)
    {
        var me = users.Find(UserName)!;
        if (days is < 1 or > 3650)
            Error = "Expiry: 1 to 3650 days, or empty.";
        else
            Try(() => NewToken = users.CreateToken(me, name ?? "", null, days is { } d ? TimeSpan.FromDays(d) : null, Actor).Token);
        Load();
        return Page();
    }

    public IActionResult OnPostRevoke(Guid token)
    {
        if (!users.TokensOf(users.Find(UserName)!.Id).Any(t => t.Id == token))
            return Denied();
        if (Try(() => users.RevokeToken(token, Actor)))
            return Done("Revoked.", "/tokens");
        Load();
        return Page();
    }

    private void Load() => Tokens = users.TokensOf(users.Find(UserName)!.Id).OrderByDescending(t => t.Created).ToList();
}
