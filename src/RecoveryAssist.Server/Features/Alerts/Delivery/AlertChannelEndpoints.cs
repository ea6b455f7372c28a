using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

internal static class AlertChannelEndpoints
{
    public static void MapAlertChannelEndpoints(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup("/api/alert-channels").WithTags("Alerts").RequirePermission(Permission.AlertChannelsManage);
        channels.MapGet("/", (AlertDelivery delivery) => delivery.List());
        channels.MapGet("/{id:guid}", (Guid id, AlertDelivery delivery) => Call(() => delivery.Get(id)));
        channels.MapPost("/", (AlertChannelInput input, AlertDelivery delivery, HttpContext context) =>
        {
            var view = Call(() => delivery.Create(input, context.Actor()));
            return Results.Created($"/api/alert-channels/{view.Id}", view);
        });
        channels.MapPut("/{id:guid}", (Guid id, AlertChannelInput input, AlertDelivery delivery, HttpContext context) => Call(() => delivery.Update(id, input, context.Actor())));
        channels.MapDelete("/{id:guid}", (Guid id, AlertDelivery delivery, HttpContext context) =>
        {
            Call(() =>
            {
                delivery.Delete(id, context.Actor());
                return true;
            });
            return Results.NoContent();
        });
        channels.MapPost("/{id:guid}/test", async (Guid id, AlertDelivery delivery, HttpContext context) =>
        {
            _ = Call(() => delivery.Find(id));
            return await delivery.TestAsync(id, context.Actor(), context.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>Channels' refusals, mapped to HTTP in one place.</summary>
    private static T Call<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (KeyNotFoundException)
        {
            throw ProblemException.NotFound("The alert channel");
        }
        catch (ChannelInputException e)
        {
            throw ProblemException.BadRequest("invalid-channel", e.Message);
        }
    }
}
