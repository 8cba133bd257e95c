package jp.securetoken.jpki;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import jp.securetoken.api.TokenUriException;

/**
 * Where a generation of My Number Card keeps its JPKI application: the application identifier, the
 * token-information EF that proves the application is selected, and for each of the two tokens the
 * EFs of its certificate, CA certificate, private key and PIN. A card's layout is data, not code:
 * the token reads these values, and the key algorithm and signature schemes come from the card's
 * certificate, never from a profile.
 *
 * <p>{@link #MY_NUMBER_CARD} is the card issued since 2016 (public sources: JPKI.md, OpenSC, jpki/myna).
 * {@link #NEXT_GENERATION} is the card announced for 2026, with ECDSA P-384 keys and a new
 * application layout; its values are <b>assumptions</b> (no public specification yet), listed in the
 * module README, and only the emulator implements it.
 *
 * @param name            the profile's name in addresses ({@code jpki:auth?profile=next-generation})
 * @param aidHex          the JPKI application identifier, hex
 * @param tokenInfoFile   the EF holding the token information
 * @param tokenInfoPrefix what the token information starts with
 * @param auth            the user-authentication token's EFs
 * @param sign            the signature token's EFs
 * @param otherAidsHex    other applications the card carries (hex), which an emulator of the card also offers
 */
public record JpkiCardProfile(String name, String aidHex, int tokenInfoFile, String tokenInfoPrefix, Files auth,
        Files sign, List<String> otherAidsHex) {

    /** The EFs of one token. */
    public record Files(int certificate, int caCertificate, int privateKey, int pin) {
    }

    /** The My Number Card issued since 2016: RSA-2048 keys, AID {@code D392F000260100000001}. */
    public static final JpkiCardProfile MY_NUMBER_CARD = new JpkiCardProfile("my-number-card",
            "D392F000260100000001", 0x0006, "JPKIAPICCTOKEN", new Files(0x000A, 0x000B, 0x0017, 0x0018),
            new Files(0x0001, 0x0002, 0x001A, 0x001B),
            // the card-face input-support application (券面事項入力補助AP), as jpki/myna selects it
            List.of("D3921000310001010408"));

    /** The next-generation card (2026): ECDSA P-384, a new layout. Every value here is an assumption. */
    public static final JpkiCardProfile NEXT_GENERATION = new JpkiCardProfile("next-generation",
            "D392F000260100000002", 0x0006, "JPKIAPICCTOKEN3", new Files(0x0021, 0x0022, 0x0027, 0x0028),
            new Files(0x0011, 0x0012, 0x001A, 0x001B), List.of("D3921000310001010408"));

    /** Checks the parts. */
    public JpkiCardProfile {
        Objects.requireNonNull(name, "name");
        HexFormat.of().parseHex(aidHex);
        Objects.requireNonNull(tokenInfoPrefix, "tokenInfoPrefix");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(sign, "sign");
        otherAidsHex = List.copyOf(otherAidsHex);
        otherAidsHex.forEach(HexFormat.of()::parseHex);
    }

    /** The profiles a token tries, in order, when its address names none. */
    public static List<JpkiCardProfile> known() {
        return List.of(MY_NUMBER_CARD, NEXT_GENERATION);
    }

    /** The profile named in an address. */
    public static JpkiCardProfile named(String name) throws TokenUriException {
        for (JpkiCardProfile p : known()) {
            if (p.name.equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new TokenUriException("no JPKI card profile is named '" + name + "'; known: "
                + known().stream().map(JpkiCardProfile::name).toList());
    }

    /** The application identifier. */
    public byte[] aid() {
        return HexFormat.of().parseHex(aidHex);
    }

    /** The EFs of a token of this card. */
    public Files files(JpkiTokenType type) {
        return type == JpkiTokenType.AUTH ? auth : sign;
    }

    /** The other applications' identifiers. */
    public List<byte[]> otherAids() {
        return otherAidsHex.stream().map(HexFormat.of()::parseHex).toList();
    }
}
