package jp.securetoken.cli;

import java.nio.file.Path;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import jp.securetoken.api.CertificationRequests;
import jp.securetoken.api.Credential;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenContentSigner;
import jp.securetoken.api.TokenException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nodeauth sign --token URI --alias A --in FILE --out FILE.p7s}: a detached CMS signature made in the token. */
@Command(name = "sign", description = {"Sign a file with a token's key: a detached CMS (PKCS#7) signature in DER "
    + "with the signer's certificate chain and signing time, as `openssl cms -verify` checks it. Works with any "
    + "token: soft:, pkcs11:, jpki:sign (My Number Card signature), csc: (a remote signing service)."})
final class SignCommand extends TokenAction {
    @Mixin
    TokenAddress tokenAddress;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS",
            description = "The credential to sign with (for csc: the credential ID).")
    String alias;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "The document to sign.")
    Path inFile;

    @Option(names = "--out", required = true, paramLabel = "FILE.p7s", description = "Where to write the signature.")
    Path outFile;

    @Option(names = "--scheme", paramLabel = "NAME", description = "The signature scheme by its TLS name, e.g. "
            + "rsa_pss_rsae_sha256 (default: rsa_pkcs1_sha256 for RSA, ECDSA with the curve's hash).")
    String schemeName;

    @Mixin
    PinOptions.User userPin;

    @Mixin
    PinOptions.Device deviceKey;

    @Override
    void run() throws Exception {
        byte[] document = readInput(inFile, "document");
        try (PinReader pins = pins(); SecureToken token = open(tokenAddress.require(null))) {
            login(token, pins, userPin, deviceKey);
            Credential credential = token.credential(alias);
            SignatureScheme scheme = scheme(credential);
            byte[] p7s = withProgress("Signing in the token", () -> cms(credential, scheme, document));
            writeOutput(outFile, p7s);
            out().println("Signed " + inFile + " with '" + alias + "' (" + scheme.tlsName() + "); wrote " + outFile);
        }
    }

    private SignatureScheme scheme(Credential credential) throws CliException, TokenException {
        if (schemeName == null) {
            return CertificationRequests.defaultScheme(credential.key());
        }
        SignatureScheme s = SignatureScheme.forTlsName(schemeName).orElseThrow(() -> new CliException(ExitCode.USAGE,
                "--scheme '" + schemeName + "' is not a signature scheme name such as rsa_pss_rsae_sha256"));
        if (!credential.key().signatureSchemes().contains(s)) {
            throw new CliException(ExitCode.BAD_INPUT, "the key of '" + alias + "' cannot sign " + schemeName);
        }
        return s;
    }

    private static byte[] cms(Credential credential, SignatureScheme scheme, byte[] document) throws Exception {
        TokenContentSigner signer = new TokenContentSigner(credential.key(), scheme);
        CMSSignedData signed;
        try {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                    new JcaDigestCalculatorProviderBuilder().build()).build(signer, credential.certificate()));
            generator.addCertificates(new JcaCertStore(credential.chain()));
            signed = generator.generate(new CMSProcessableByteArray(document), false);
        } catch (CMSException | OperatorCreationException e) {
            signer.rethrowFailure();
            throw new CliException(ExitCode.FAILURE, "the CMS signature could not be built: " + e.getMessage(), e);
        }
        signer.rethrowFailure();
        return signed.getEncoded("DER");
    }
}
