package jp.securetoken.tls.trust;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.ArrayList;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * One entry of a peer allow-list: a glob ({@code *} matches any run of characters) over the
 * subject's common name, a subject DN attribute, or a DNS / URI subject alternative name.
 *
 * @param field  what the glob is matched against
 * @param glob   the pattern, case-insensitive, e.g. {@code clinic-*.region.example.jp}
 */
public record PeerPattern(Field field, String glob) {

    /** The certificate field a pattern looks at. */
    public enum Field {
        COMMON_NAME, ORGANIZATION, ORGANIZATIONAL_UNIT, DNS_NAME, URI
    }

    public static PeerPattern commonName(String glob) {
        return new PeerPattern(Field.COMMON_NAME, glob);
    }

    public static PeerPattern organization(String glob) {
        return new PeerPattern(Field.ORGANIZATION, glob);
    }

    public static PeerPattern organizationalUnit(String glob) {
        return new PeerPattern(Field.ORGANIZATIONAL_UNIT, glob);
    }

    public static PeerPattern dnsName(String glob) {
        return new PeerPattern(Field.DNS_NAME, glob);
    }

    public static PeerPattern uri(String glob) {
        return new PeerPattern(Field.URI, glob);
    }

    /** Whether the certificate has a value in this field that the glob matches. */
    public boolean matches(X509Certificate certificate) {
        Pattern regex = Pattern.compile(toRegex(glob), Pattern.CASE_INSENSITIVE);
        return values(certificate).stream().anyMatch(v -> regex.matcher(v).matches());
    }

    private List<String> values(X509Certificate certificate) {
        return switch (field) {
            case COMMON_NAME -> subjectAttribute(certificate, "CN");
            case ORGANIZATION -> subjectAttribute(certificate, "O");
            case ORGANIZATIONAL_UNIT -> subjectAttribute(certificate, "OU");
            case DNS_NAME -> altNames(certificate, 2);
            case URI -> altNames(certificate, 6);
        };
    }

    /**
     * Values of one attribute type (CN, O, OU) in the certificate's subject, every occurrence
     * counted, in multi-valued RDNs too (so that {@code CN=a+CN=b} shows both).
     */
    static List<String> subjectAttribute(X509Certificate certificate, String type) {
        ASN1ObjectIdentifier oid = switch (type.toUpperCase(java.util.Locale.ROOT)) {
            case "CN" -> BCStyle.CN;
            case "O" -> BCStyle.O;
            case "OU" -> BCStyle.OU;
            default -> throw new IllegalArgumentException("attribute " + type);
        };
        try {
            X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
            List<String> values = new ArrayList<>();
            for (RDN rdn : name.getRDNs()) {
                for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                    if (atv.getType().equals(oid)) {
                        values.add(atv.getValue() instanceof ASN1String s ? s.getString()
                                : IETFUtils.valueToString(atv.getValue()));
                    }
                }
            }
            return values;
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    static List<String> altNames(X509Certificate certificate, int type) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return List.of();
            }
            return names.stream().filter(n -> ((Integer) n.get(0)) == type).map(n -> n.get(1).toString()).toList();
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    private static String toRegex(String glob) {
        return Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
    }
}
