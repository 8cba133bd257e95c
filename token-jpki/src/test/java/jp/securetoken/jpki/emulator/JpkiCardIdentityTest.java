package jp.securetoken.jpki.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;

import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.junit.jupiter.api.Test;

class JpkiCardIdentityTest {

    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();

    @Test
    void caCertificatesCarryJpkiLikeNamesAndAreSelfSigned() throws Exception {
        X509Certificate auth = IDENTITY.authCaCertificate();
        X509Certificate sign = IDENTITY.signCaCertificate();
        assertEquals("OU=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,"
                + "O=JPKI,C=JP", auth.getSubjectX500Principal().getName());
        assertEquals("OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,"
                + "O=JPKI,C=JP", sign.getSubjectX500Principal().getName());
        auth.verify(auth.getPublicKey());
        sign.verify(sign.getPublicKey());
        assertTrue(auth.getBasicConstraints() >= 0);
    }

    @Test
    void userCertificatesAreIssuedByTheirCaWithRsa2048() throws Exception {
        IDENTITY.authCertificate().verify(IDENTITY.authCaCertificate().getPublicKey());
        IDENTITY.signCertificate().verify(IDENTITY.signCaCertificate().getPublicKey());
        assertEquals(2048, ((RSAPublicKey) IDENTITY.authCertificate().getPublicKey()).getModulus().bitLength());
        assertEquals(2048, ((RSAPublicKey) IDENTITY.signCertificate().getPublicKey()).getModulus().bitLength());
    }

    @Test
    void authCertificateHasDigitalSignatureAndPolicyButNoPersonalData() throws Exception {
        X509Certificate c = IDENTITY.authCertificate();
        boolean[] ku = c.getKeyUsage();
        assertTrue(ku[0]);
        assertFalse(ku[1]);
        assertEquals(Set.of(JpkiCardIdentity.AUTH_POLICY.getId()), policies(c));
        assertEquals(null, c.getSubjectAlternativeNames());
        assertFalse(c.getSubjectX500Principal().getName().contains("L="));
    }

    @Test
    void signCertificateCarriesTheFictitiousHolderAsOtherNames() throws Exception {
        X509Certificate c = IDENTITY.signCertificate();
        boolean[] ku = c.getKeyUsage();
        assertTrue(ku[0]);
        assertTrue(ku[1]);
        assertEquals(Set.of(JpkiCardIdentity.SIGN_POLICY.getId()), policies(c));
        GeneralNames san = GeneralNames.fromExtensions(new JcaX509CertificateHolder(c).getExtensions(),
                Extension.subjectAlternativeName);
        List<String> types = List.of(san.getNames()).stream().filter(n -> n.getTagNo() == GeneralName.otherName)
                .map(n -> ASN1Sequence.getInstance(n.getName()).getObjectAt(0).toString()).toList();
        assertEquals(List.of(JpkiCardIdentity.NAME_OID.getId(), JpkiCardIdentity.SEX_OID.getId(),
                JpkiCardIdentity.BIRTH_DATE_OID.getId(), JpkiCardIdentity.ADDRESS_OID.getId()), types);
        ASN1Sequence name = ASN1Sequence.getInstance(san.getNames()[0].getName());
        assertEquals(FictitiousHolder.example().name(),
                ASN1UTF8String.getInstance(ASN1TaggedObject.getInstance(name.getObjectAt(1)).getExplicitBaseObject())
                        .getString());
    }

    @Test
    void defaultPinsFollowTheCardsFormats() {
        assertTrue(JpkiPinRole.AUTHENTICATION.accepts(IDENTITY.pin(JpkiPinRole.AUTHENTICATION)));
        assertTrue(JpkiPinRole.SIGNATURE.accepts(IDENTITY.pin(JpkiPinRole.SIGNATURE)));
    }

    @Test
    void rejectsPinsTheCardWouldNotAccept() {
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder().authPin("12345"));
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder().authPin("12a4"));
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder().signPin("ABC12"));
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder().signPin("abcdef"));
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder().signPin("A".repeat(17)));
    }

    @Test
    void loadsGivenKeysAndCertificates() throws Exception {
        TestPki pki = TestPki.create("Given CA", TestPki.Keys.rsa(2048));
        HeldCertificate held = pki.issue("given user").keyPair(TestPki.Keys.rsa(2048)).build();
        JpkiCardIdentity id = JpkiCardIdentity.builder()
                .authCredential(held.keyPair().getPrivate(), held.certificate(), pki.caCertificate()).build();
        assertEquals(held.certificate(), id.authCertificate());
        assertEquals(pki.caCertificate(), id.authCaCertificate());
        assertNotNull(id.signCertificate());
        assertArrayEquals(held.keyPair().getPrivate().getEncoded(),
                id.credential(JpkiPinRole.AUTHENTICATION).privateKey().getEncoded());
    }

    @Test
    void rejectsAKeyThatDoesNotBelongToTheCertificate() {
        TestPki pki = TestPki.create("Given CA", TestPki.Keys.rsa(2048));
        HeldCertificate held = pki.issue("given user").keyPair(TestPki.Keys.rsa(2048)).build();
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder()
                .authCredential(TestPki.Keys.rsa(2048).getPrivate(), held.certificate(), pki.caCertificate()));
    }

    @Test
    void rejectsKeysOtherThanRsa2048() {
        TestPki pki = TestPki.create("Given CA");
        HeldCertificate held = pki.issue("ec user").build();
        assertThrows(IllegalArgumentException.class, () -> JpkiCardIdentity.builder()
                .signCredential(held.keyPair().getPrivate(), held.certificate(), pki.caCertificate()));
    }

    @Test
    void toStringRevealsNoPersonalDataOrPins() {
        String s = IDENTITY.toString() + FictitiousHolder.example();
        assertFalse(s.contains(FictitiousHolder.example().name()));
        assertFalse(s.contains(IDENTITY.pin(JpkiPinRole.AUTHENTICATION)));
        assertFalse(s.contains(IDENTITY.pin(JpkiPinRole.SIGNATURE)));
    }

    private static Set<String> policies(X509Certificate c) throws Exception {
        CertificatePolicies p = CertificatePolicies.fromExtensions(new JcaX509CertificateHolder(c).getExtensions());
        return List.of(p.getPolicyInformation()).stream().map(i -> i.getPolicyIdentifier().getId())
                .collect(Collectors.toSet());
    }
}
