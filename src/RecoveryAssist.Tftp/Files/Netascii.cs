namespace RecoveryAssist.Tftp.Files;

/// <summary>RFC 1350 / RFC 764 netascii encoding of stored bytes: LF becomes CR LF, a bare CR
/// becomes CR NUL. Pure. Files are stored with Unix line ends, so a CR LF already in the
/// file is encoded as CR NUL CR LF, which the client decodes back to the original bytes.</summary>
internal static class Netascii
{
    public static byte[] Encode(ReadOnlySpan<byte> source)
    {
        int extra = source.Count((byte)'\n') + source.Count((byte)'\r');
        byte[] result = new byte[source.Length + extra];
        int position = 0;
        foreach (byte b in source)
        {
            if (b == (byte)'\n')
            {
                result[position++] = (byte)'\r';
                result[position++] = (byte)'\n';
            }
            else if (b == (byte)'\r')
            {
                result[position++] = (byte)'\r';
                result[position++] = 0;
            }
            else
            {
                result[position++] = b;
            }
        }

        return result;
    }
}
