package jp.securetoken.api;

/**
 * The capabilities a secure token may offer for node authentication, as listed by the JAHIS Secure
 * Token Implementation Guide (node authentication, ver. 1.2, sections 7.2 and 8.2.3), each with the
 * guide's requirement level and the phase it belongs to.
 */
public enum JahisCapability {
    CREDENTIAL_STORAGE("credential storage", "クレデンシャル格納機能", Level.MANDATORY, Phase.NORMAL_USE),
    ENTITY_AUTHENTICATION("token-entity authentication", "エンティティ認証機能", Level.MANDATORY, Phase.NORMAL_USE),
    SIGNATURE_GENERATION("signature generation with the private key", "署名生成機能", Level.CONDITIONAL, Phase.NORMAL_USE),
    USER_DATA_STORAGE("user data storage", "ユーザデータ格納機能", Level.OPTIONAL, Phase.NORMAL_USE),
    ISSUING_SERVER_AUTHENTICATION("issuing-server authentication", "発行サーバ認証機能", Level.MANDATORY, Phase.LIFECYCLE),
    CREDENTIAL_WRITE_UPDATE("credential write / update", "クレデンシャル書込み・更新機能", Level.MANDATORY, Phase.LIFECYCLE),
    KEY_GENERATION("key generation", "鍵生成機能", Level.OPTIONAL, Phase.LIFECYCLE),
    REMOTE_WRITE_UPDATE("remote write / update", "リモート書込み・更新機能", Level.CONDITIONAL, Phase.LIFECYCLE);

    /** JAHIS requirement level of a capability. */
    public enum Level {
        MANDATORY("M"), CONDITIONAL("C"), OPTIONAL("O");

        private final String letter;

        Level(String letter) {
            this.letter = letter;
        }

        /** The letter JAHIS tables use: M, C or O. */
        public String letter() {
            return letter;
        }
    }

    /** Whether a capability serves normal use or the credential's lifecycle (issue, renew). */
    public enum Phase {
        NORMAL_USE("normal use"), LIFECYCLE("lifecycle");

        private final String displayName;

        Phase(String displayName) {
            this.displayName = displayName;
        }

        public String displayName() {
            return displayName;
        }
    }

    private final String displayName;
    private final String japaneseName;
    private final Level level;
    private final Phase phase;

    JahisCapability(String displayName, String japaneseName, Level level, Phase phase) {
        this.displayName = displayName;
        this.japaneseName = japaneseName;
        this.level = level;
        this.phase = phase;
    }

    public String displayName() {
        return displayName;
    }

    public String japaneseName() {
        return japaneseName;
    }

    public Level level() {
        return level;
    }

    public Phase phase() {
        return phase;
    }
}
