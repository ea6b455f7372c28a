using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RecoveryAssist.Tftp.Server;

namespace RecoveryAssist.Tftp.Tests.Server;

public sealed class BusyPollTests : IDisposable
{
    private readonly Socket _receiver = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _sender = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public BusyPollTests() => _receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public void Dispose()
    {
        _receiver.Dispose();
        _sender.Dispose();
    }

    private void SendOne() => _sender.SendTo(new byte[] { 0, 4, 0, 1 }, _receiver.LocalEndPoint!);

    private void ReceiveOne() => _receiver.Receive(new byte[16]);

    [Fact]
    public void Session_AckAlreadyWaiting_KeepsPolling()
    {
        using var session = new BusyPoll(TimeSpan.FromMilliseconds(5), maxTransfers: 1).Start();
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp * 2; i++)
        {
            SendOne();
            session.BeforeReceive(_receiver);
            ReceiveOne();
        }

        session.IsPolling.Should().BeTrue();
    }

    [Fact]
    public void Session_AckNeverInTime_PausesPollingAfterTheMissLimit()
    {
        using var session = new BusyPoll(TimeSpan.FromMilliseconds(2), maxTransfers: 1).Start();
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp - 1; i++)
        {
            session.BeforeReceive(_receiver);
        }

        session.IsPolling.Should().BeTrue();
        session.BeforeReceive(_receiver);
        session.IsPolling.Should().BeFalse();

        // Paused: the next waits go straight to the blocking receive.
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < BusyPoll.ReceivesBeforeRetry; i++)
        {
            session.BeforeReceive(_receiver);
        }

        // Polling would have taken 512 ms.
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(200));
        session.IsPolling.Should().BeTrue("the pause is over");

        // One more miss pauses again at once.
        session.BeforeReceive(_receiver);
        session.IsPolling.Should().BeFalse();
    }

    [Fact]
    public void Session_ClientFastAgainAfterAPause_PollsAgain()
    {
        using var session = new BusyPoll(TimeSpan.FromMicroseconds(200), maxTransfers: 1).Start();
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp + BusyPoll.ReceivesBeforeRetry; i++)
        {
            session.BeforeReceive(_receiver);
        }

        SendOne();
        session.BeforeReceive(_receiver);
        ReceiveOne();

        // A hit after the pause: the full miss allowance again.
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp - 1; i++)
        {
            session.BeforeReceive(_receiver);
        }

        session.IsPolling.Should().BeTrue();
    }

    [Fact]
    public void Session_HitAfterMisses_StartsCountingAgain()
    {
        using var session = new BusyPoll(TimeSpan.FromMicroseconds(100), maxTransfers: 1).Start();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < BusyPoll.MissesBeforeGivingUp - 1; i++)
            {
                session.BeforeReceive(_receiver);
            }

            SendOne();
            session.BeforeReceive(_receiver);
            ReceiveOne();
        }

        session.IsPolling.Should().BeTrue();
    }

    [Fact]
    public void Session_PollingOff_NeverGivesUpBecauseItNeverPolls()
    {
        using var session = new BusyPoll(TimeSpan.Zero, maxTransfers: 1).Start();
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp * 2; i++)
        {
            session.BeforeReceive(_receiver);
        }

        session.IsPolling.Should().BeTrue();
    }

    [Fact]
    public void Session_MoreTransfersThanTheLimit_NobodyPollsUntilOneEnds()
    {
        var poll = new BusyPoll(TimeSpan.FromSeconds(1), maxTransfers: 1);
        var first = poll.Start();
        var second = poll.Start();

        // Two transfers with a limit of one: a poll would take a whole second and count as a miss.
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp * 2; i++)
        {
            first.BeforeReceive(_receiver);
            second.BeforeReceive(_receiver);
        }

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        first.IsPolling.Should().BeTrue();
        second.IsPolling.Should().BeTrue();

        // The second ends (twice, harmlessly): the first polls again and sees its ACK.
        second.Dispose();
        second.Dispose();
        SendOne();
        first.BeforeReceive(_receiver);
        ReceiveOne();
        for (int i = 0; i < BusyPoll.MissesBeforeGivingUp; i++)
        {
            poll.Start().Dispose();
        }

        var third = poll.Start();
        watch.Restart();
        third.BeforeReceive(_receiver);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(500), "two transfers run again, so nobody polls");
        first.Dispose();
        third.Dispose();
    }
}
