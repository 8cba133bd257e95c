package jp.securetoken.pkcs11;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import jp.securetoken.api.TokenException;
import jp.securetoken.api.UserDataLimitException;
import jp.securetoken.api.UserDataStore;

/**
 * User data records as public PKCS#11 data objects (CKO_DATA, CKA_TOKEN true, CKA_PRIVATE false) of
 * application {@value Pkcs11Token#APPLICATION}, named by CKA_LABEL and holding CKA_VALUE. Anyone may
 * read them; this store writes and deletes only when the token is logged in (PKCS#11 itself would let
 * a public session create public objects). Replacing a record creates the new object before
 * destroying the old one.
 */
final class Pkcs11UserData implements UserDataStore {
    static final int MAX_RECORD_SIZE = 4096;
    static final int MAX_RECORDS = 32;
    private final Pkcs11Token token;

    Pkcs11UserData(Pkcs11Token token) {
        this.token = token;
    }

    private Cryptoki cryptoki() {
        return token.cryptoki().orElseThrow(() -> new IllegalStateException("user data is offered only with the wrapper"));
    }

    /** Handles of this application's data objects. */
    private long[] records() throws TokenException {
        return cryptoki().find(token.session(), Ck.CKO_DATA, Pkcs11Token.APPLICATION);
    }

    private Optional<Long> handle(String name) throws TokenException {
        Cryptoki c = cryptoki();
        long s = token.session();
        for (long h : records()) {
            if (name.equals(c.text(s, h, Ck.CKA_LABEL))) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    @Override
    public List<String> names() throws TokenException {
        return token.queue().call(() -> {
            token.requireOpen();
            TreeSet<String> names = new TreeSet<>();
            for (long h : records()) {
                String label = cryptoki().text(token.session(), h, Ck.CKA_LABEL);
                if (label != null) {
                    names.add(label);
                }
            }
            return List.copyOf(names);
        });
    }

    @Override
    public Optional<byte[]> read(String name) throws TokenException {
        return token.queue().call(() -> {
            token.requireOpen();
            Optional<Long> h = handle(name);
            if (h.isEmpty()) {
                return Optional.<byte[]>empty();
            }
            byte[] v = cryptoki().bytes(token.session(), h.get(), Ck.CKA_VALUE);
            return Optional.of(v == null ? new byte[0] : v);
        });
    }

    @Override
    public void write(String name, byte[] value) throws TokenException {
        byte[] copy = value.clone();
        token.queue().call(() -> {
            token.requireOpenAndLoggedIn("Writing user data");
            if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 128) {
                throw new UserDataLimitException("a record name has 1 to 128 bytes");
            }
            if (copy.length > MAX_RECORD_SIZE) {
                throw new UserDataLimitException("record '" + name + "' has " + copy.length + " bytes; at most "
                        + MAX_RECORD_SIZE);
            }
            Optional<Long> old = handle(name);
            if (old.isEmpty() && records().length >= MAX_RECORDS) {
                throw new UserDataLimitException("the token holds at most " + MAX_RECORDS + " records");
            }
            // Tokens may keep a data object's CKA_VALUE read-only (SoftHSM2 does): the new object is
            // created first and the old one destroyed after, so a failure never loses the record.
            cryptoki().createData(token.session(), Pkcs11Token.APPLICATION, name, copy);
            if (old.isPresent()) {
                cryptoki().destroy(token.session(), old.get());
            }
            return null;
        });
    }

    @Override
    public boolean delete(String name) throws TokenException {
        return token.queue().call(() -> {
            token.requireOpenAndLoggedIn("Deleting user data");
            Optional<Long> h = handle(name);
            if (h.isPresent()) {
                cryptoki().destroy(token.session(), h.get());
            }
            return h.isPresent();
        });
    }

    @Override
    public int maxRecordSize() {
        return MAX_RECORD_SIZE;
    }

    @Override
    public int maxRecords() {
        return MAX_RECORDS;
    }
}
