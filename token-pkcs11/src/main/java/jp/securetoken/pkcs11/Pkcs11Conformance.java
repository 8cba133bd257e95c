package jp.securetoken.pkcs11;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenException;

/**
 * How far a PKCS#11 module and token meet the PKCS#11 function table of the JAHIS secure-token guide
 * (section 8.2.4: Mandatory, Conditional and Optional functions), as far as Java can observe it:
 * library and token info, the mechanism list with each mechanism's flags, login, sessions, and,
 * when the token is logged in, creating, changing and destroying a data object and calling the
 * cryptographic functions once each with session keys that vanish afterwards (RSA-2048 sign,
 * verify, encrypt, decrypt; SHA-256 digest; AES-CBC-PAD for C_EncryptFinal). Without login those
 * functions are reported as announced by the mechanism flags. Functions Java
 * cannot call or see (C_GetObjectSize through the JDK) are reported as not
 * observable rather than guessed.
 *
 * <pre>{@code
 * try (SecureToken token = SecureTokens.discover().open("pkcs11:token=node?module-path=/usr/lib/vendor.so")) {
 *     token.login(pin);
 *     log.info("{}", Pkcs11Conformance.check(token).render());
 * }
 * }</pre>
 *
 * @param library      the library's description, manufacturer and version (C_GetInfo)
 * @param token        the token's label, manufacturer and model (C_GetTokenInfo)
 * @param items        one row per JAHIS function
 */
public record Pkcs11Conformance(String library, String token, List<Item> items) {

    public Pkcs11Conformance {
        items = List.copyOf(items);
    }

    /** Whether a function was seen to work. */
    public enum Verdict {
        /** Called by the report (or by opening the token) and it worked. */
        MET,
        /** Not called, but the token's mechanism flags (C_GetMechanismInfo) say it is supported. */
        ANNOUNCED,
        /** Called and failed, or no mechanism announces it. */
        NOT_MET,
        /** Java cannot see it through the JDK (or the token was not logged in for a write test). */
        NOT_OBSERVED
    }

    /**
     * One function of the JAHIS table.
     *
     * @param function the PKCS#11 function, e.g. {@code C_SignInit}
     * @param level    its JAHIS level (M, C, O)
     * @param verdict  whether it was seen to work
     * @param evidence what was seen
     */
    public record Item(String function, JahisCapability.Level level, Verdict verdict, String evidence) {
    }

    /** Items of the given level with the given verdict. */
    public List<Item> items(JahisCapability.Level level, Verdict verdict) {
        return items.stream().filter(i -> i.level() == level && i.verdict() == verdict).toList();
    }

    /** Whether no Mandatory function failed or is missing from the mechanism flags (unobservable ones aside). */
    public boolean noMandatoryFailed() {
        return items.stream().noneMatch(i -> i.level() == JahisCapability.Level.MANDATORY
                && i.verdict() == Verdict.NOT_MET);
    }

    /** The report as a table for a person choosing a token. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("JAHIS 8.2.4 PKCS#11 conformance\n");
        sb.append("library: ").append(library).append('\n');
        sb.append("token:   ").append(token).append('\n');
        int width = items.stream().mapToInt(i -> i.function().length()).max().orElse(10);
        for (Item i : items) {
            sb.append(String.format("%-" + width + "s  %s  %-13s  %s%n", i.function(), i.level().letter(),
                    i.verdict(), i.evidence()));
        }
        for (JahisCapability.Level level : JahisCapability.Level.values()) {
            long total = items.stream().filter(i -> i.level() == level).count();
            sb.append(String.format("%s: %d of %d met, %d announced by mechanism flags, %d not met, %d not observed%n",
                    level, items(level, Verdict.MET).size(), total, items(level, Verdict.ANNOUNCED).size(),
                    items(level, Verdict.NOT_MET).size(), items(level, Verdict.NOT_OBSERVED).size()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /**
     * Checks the module and token behind an open PKCS#11 token. Log the token in first to include
     * object creation, C_SetAttributeValue and the cryptographic calls (every object made is a
     * session object or destroyed again).
     *
     * @throws IllegalArgumentException when {@code token} was not opened by {@link Pkcs11TokenProvider}
     * @throws jp.securetoken.api.OperationNotSupportedException without the JDK's PKCS#11 wrapper
     */
    public static Pkcs11Conformance check(SecureToken token) throws TokenException {
        if (!(token instanceof Pkcs11Token p11)) {
            throw new IllegalArgumentException("not a PKCS#11 token: " + token);
        }
        return p11.queue().call(() -> new ConformanceCheck(p11).run());
    }

    /** The checks themselves, on the token's queue. */
    private static final class ConformanceCheck {
        private static final JahisCapability.Level M = JahisCapability.Level.MANDATORY;
        private static final JahisCapability.Level C = JahisCapability.Level.CONDITIONAL;
        private static final JahisCapability.Level O = JahisCapability.Level.OPTIONAL;
        private final Pkcs11Token token;
        private final List<Item> items = new ArrayList<>();

        ConformanceCheck(Pkcs11Token token) {
            this.token = token;
        }

        private void add(String function, JahisCapability.Level level, Verdict verdict, String evidence) {
            items.add(new Item(function, level, verdict, evidence));
        }

        private void add(String function, JahisCapability.Level level, boolean met, String evidence) {
            add(function, level, met ? Verdict.MET : Verdict.NOT_MET, evidence);
        }

        /** C_WaitForSlotEvent with CKF_DONT_BLOCK through the IAIK wrapper: answered, or not supported. */
        private void slotEvent(Cryptoki c) throws TokenException {
            try {
                java.util.OptionalLong slot = IaikCryptoki.load(c.module()).pendingSlotEvent();
                add("C_WaitForSlotEvent", M, Verdict.MET, "CKF_DONT_BLOCK answered "
                        + (slot.isPresent() ? "an event in slot " + Long.toUnsignedString(slot.getAsLong())
                                : "CKR_NO_EVENT"));
            } catch (IaikCryptoki.SlotEventsUnsupported e) {
                add("C_WaitForSlotEvent", M, Verdict.NOT_MET, "CKR_FUNCTION_NOT_SUPPORTED; the watch polls instead");
            }
        }

        Pkcs11Conformance run() throws TokenException {
            token.requireOpen();
            Cryptoki c = token.cryptoki().orElseThrow(() -> new jp.securetoken.api.OperationNotSupportedException(
                    "A conformance report", "it needs the JDK's PKCS#11 wrapper; start the JVM with "
                            + CryptokiAccess.FLAG));
            long slot = token.slot();
            Cryptoki.LibraryInfo lib = c.libraryInfo();
            Cryptoki.TokenState state = c.tokenState(slot);
            add("C_GetFunctionList", M, Verdict.MET, "the library loaded through it");
            add("C_Initialize", M, Verdict.MET, "the library initialised");
            add("C_Finalize", M, Verdict.NOT_OBSERVED, "not called: the JDK keeps the library loaded for the JVM");
            add("C_GetInfo", M, Verdict.MET, "Cryptoki " + lib.cryptokiVersion());
            add("C_GetSlotList", M, Verdict.MET, c.slotsWithToken().length + " slot(s) with a token");
            add("C_GetSlotInfo", M, Verdict.MET, "'" + c.slotDescription(slot) + "'");
            add("C_GetTokenInfo", M, Verdict.MET, "flags " + flags(state));
            slotEvent(c);
            Map<Long, Cryptoki.MechanismInfo> mechs = new HashMap<>();
            for (Cryptoki.MechanismInfo m : c.mechanisms(slot)) {
                mechs.put(m.mechanism(), m);
            }
            add("C_GetMechanismList", M, !mechs.isEmpty(), mechs.size() + " mechanisms");
            add("C_GetMechanismInfo", M, !mechs.isEmpty(), "flags read for every mechanism");
            long session = token.session();
            add("C_OpenSession", M, Verdict.MET, "serial session opened");
            long sessionState = c.sessionState(session);
            long probe = c.openSession(slot, false);
            add("C_CloseSession", M, c.closeSession(probe), "opened and closed a second session");
            add("C_GetSessionInfo", M, Verdict.MET, "state " + sessionState);
            boolean loggedIn = token.isLoggedIn();
            add("C_Login", M, loggedIn ? Verdict.MET : Verdict.NOT_OBSERVED, loggedIn ? "user logged in"
                    : "log the token in to observe");
            add("C_Logout", M, Verdict.NOT_OBSERVED, "observed when the token logs out, not in this report");
            if (loggedIn && !state.has(Ck.CKF_WRITE_PROTECTED)) {
                objectChecks(c, session);
            } else {
                String why = loggedIn ? "token is write-protected" : "log the token in to observe";
                for (String f : List.of("C_CreateObject", "C_SetAttributeValue")) {
                    add(f, M, loggedIn ? Verdict.NOT_MET : Verdict.NOT_OBSERVED, why);
                }
            }
            long[] found = c.find(session, Ck.CKO_CERTIFICATE, null);
            add("C_FindObjectsInit", M, Verdict.MET, "searched certificates");
            add("C_FindObjects", M, Verdict.MET, found.length + " certificate(s)");
            add("C_FindObjectsFinal", M, Verdict.MET, "search ended");
            add("C_GetAttributeValue", M, Verdict.MET, "CKA_LABEL, CKA_ID, CKA_VALUE read");
            add("C_GetObjectSize", M, Verdict.NOT_OBSERVED, "the JDK's wrapper does not expose it");
            Map<String, Cryptoki.Call> called = new HashMap<>();
            if (loggedIn) {
                for (Cryptoki.Call call : c.exercise(session)) {
                    called.put(call.function(), call);
                }
            }
            cryptoItem(called, mechs, "C_EncryptInit", M, Ck.CKF_ENCRYPT);
            cryptoItem(called, mechs, "C_Encrypt", M, Ck.CKF_ENCRYPT);
            cryptoItem(called, mechs, "C_EncryptFinal", M, Ck.CKF_ENCRYPT);
            cryptoItem(called, mechs, "C_VerifyInit", M, Ck.CKF_VERIFY);
            cryptoItem(called, mechs, "C_Verify", M, Ck.CKF_VERIFY);
            cryptoItem(called, mechs, "C_VerifyFinal", M, Ck.CKF_VERIFY);
            cryptoItem(called, mechs, "C_Decrypt", M, Ck.CKF_DECRYPT);
            cryptoItem(called, mechs, "C_DigestInit", C, Ck.CKF_DIGEST);
            cryptoItem(called, mechs, "C_DigestUpdate", C, Ck.CKF_DIGEST);
            cryptoItem(called, mechs, "C_DigestFinal", C, Ck.CKF_DIGEST);
            cryptoItem(called, mechs, "C_SignInit", C, Ck.CKF_SIGN);
            cryptoItem(called, mechs, "C_Sign", C, Ck.CKF_SIGN);
            cryptoItem(called, mechs, "C_GenerateKeyPair", O, Ck.CKF_GENERATE_KEY_PAIR);
            String label = state.label() + " (" + state.manufacturer() + ", " + state.model() + ", serial "
                    + state.serial() + ")";
            return new Pkcs11Conformance(lib.description() + " (" + lib.manufacturer() + ", version " + lib.version()
                    + ")", label, items);
        }

        private void objectChecks(Cryptoki c, long session) {
            long object = -1;
            try {
                object = c.createData(session, "securetoken-conformance", "conformance-probe", new byte[] {1});
                add("C_CreateObject", M, Verdict.MET, "created a data object");
            } catch (TokenException e) {
                add("C_CreateObject", M, Verdict.NOT_MET, e.getMessage());
            }
            if (object != -1) {
                try {
                    c.setLabel(session, object, "conformance-probe-renamed");
                    add("C_SetAttributeValue", M, Verdict.MET, "changed its CKA_LABEL");
                } catch (TokenException e) {
                    add("C_SetAttributeValue", M, Verdict.NOT_MET, e.getMessage());
                }
                try {
                    c.destroy(session, object);
                } catch (TokenException e) {
                    // the probe stays; it is harmless and labelled
                }
            } else {
                add("C_SetAttributeValue", M, Verdict.NOT_OBSERVED, "no object could be created to change");
            }
        }

        /** What calling the function showed; where it was not called, what the mechanism flags announce. */
        private void cryptoItem(Map<String, Cryptoki.Call> called, Map<Long, Cryptoki.MechanismInfo> mechs,
                String function, JahisCapability.Level level, long flag) {
            Cryptoki.Call call = called.get(function);
            if (call != null) {
                add(function, level, call.worked(), call.evidence());
            } else {
                mechanismItem(mechs, function, level, flag);
            }
        }

        private void mechanismItem(Map<Long, Cryptoki.MechanismInfo> mechs, String function,
                JahisCapability.Level level, long flag) {
            List<String> named = new ArrayList<>();
            int count = 0;
            for (Cryptoki.MechanismInfo m : mechs.values()) {
                if (m.has(flag)) {
                    count++;
                    String name = NAMES.get(m.mechanism());
                    if (name != null) {
                        named.add(name);
                    }
                }
            }
            named.sort(null);
            String evidence = count == 0 ? "no mechanism announces it"
                    : count + " mechanism(s) announce it" + (named.isEmpty() ? "" : ", among them "
                            + String.join(", ", named));
            add(function, level, count > 0 ? Verdict.ANNOUNCED : Verdict.NOT_MET, evidence);
        }

        /** Names of the mechanisms node authentication cares about. */
        private static final Map<Long, String> NAMES = Map.ofEntries(
                Map.entry(Ck.CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN"),
                Map.entry(Ck.CKM_RSA_PKCS, "CKM_RSA_PKCS"),
                Map.entry(Ck.CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP"),
                Map.entry(Ck.CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS"),
                Map.entry(Ck.CKM_SHA256, "CKM_SHA256"),
                Map.entry(Ck.CKM_SHA384, "CKM_SHA384"),
                Map.entry(Ck.CKM_SHA512, "CKM_SHA512"),
                Map.entry(Ck.CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN"),
                Map.entry(Ck.CKM_ECDSA, "CKM_ECDSA"),
                Map.entry(Ck.CKM_AES_CBC, "CKM_AES_CBC"));

        private static String flags(Cryptoki.TokenState s) {
            List<String> f = new ArrayList<>();
            if (s.has(Ck.CKF_LOGIN_REQUIRED)) {
                f.add("login required");
            }
            if (s.has(Ck.CKF_WRITE_PROTECTED)) {
                f.add("write-protected");
            }
            if (s.has(Ck.CKF_PROTECTED_AUTHENTICATION_PATH)) {
                f.add("PIN pad");
            }
            if (s.has(Ck.CKF_USER_PIN_COUNT_LOW)) {
                f.add("user PIN count low");
            }
            if (s.has(Ck.CKF_USER_PIN_LOCKED)) {
                f.add("user PIN locked");
            }
            if (s.has(Ck.CKF_RNG)) {
                f.add("RNG");
            }
            return f.isEmpty() ? "none" : String.join(", ", f);
        }
    }
}
