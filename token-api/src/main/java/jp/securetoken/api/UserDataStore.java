package jp.securetoken.api;

import java.util.List;
import java.util.Optional;

/**
 * Named records kept in a token (JAHIS user data storage, optional), such as the device
 * identification a maintained device proves itself with. Anyone may read; writing and deleting
 * need a logged-in token.
 */
public interface UserDataStore {

    /** Names of the records present, sorted. */
    List<String> names() throws TokenException;

    /** The record's bytes, or empty when there is no such record. No login needed. */
    Optional<byte[]> read(String name) throws TokenException;

    /**
     * Writes or replaces a record.
     *
     * @throws LoginRequiredException when the token is not logged in
     * @throws UserDataLimitException when the record or the count exceeds the token's limits
     */
    void write(String name, byte[] value) throws TokenException;

    /** Deletes a record; returns whether it existed. Needs login. */
    boolean delete(String name) throws TokenException;

    /** Largest record this token accepts, in bytes. */
    int maxRecordSize();

    /** Most records this token holds. */
    int maxRecords();
}
