using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace RecoveryAssist.Server.Features.Secrets;

/// <summary>
/// Seals ASP.NET Core's data-protection keys (they sign the sign-in cookies) under the KEK before they are
/// written to the data directory, so that a copy of the directory without the KEK cannot forge a session.
/// </summary>
internal sealed class KekXmlEncryptor(KeyEncryptionKey kek) : IXmlEncryptor
{
    internal const string Purpose = "cookie-key";
    internal const string ElementName = "kekSealed";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var element = new XElement(ElementName, new XAttribute("kek", kek.Id), Convert.ToBase64String(kek.Seal(plaintext, Purpose)));
        return new EncryptedXmlInfo(element, typeof(KekXmlDecryptor));
    }
}

/// <summary>Opens what <see cref="KekXmlEncryptor"/> sealed; created by data protection through its service provider.</summary>
internal sealed class KekXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var kek = services.GetRequiredService<KeyEncryptionKey>();
        var plaintext = kek.Open(Convert.FromBase64String(encryptedElement.Value), KekXmlEncryptor.Purpose);
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
