"""The error catalogue: every error a user can hit, with a stable code to search for.

Codes never change meaning once released. An error names *where* (file, line, document,
task) and carries a *hint* saying what to do. Later stages add their own codes here so
that there is one place to look them up (``newsdesk`` prints ``[E101] ...``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    title: str
    hint: str


class Errors:
    """The catalogue (spaCy-style): ``raise NewsdeskError(Errors.E101, where=path)``."""

    # Workspace and locking
    E001 = ErrorCode("E001", "not a newsdesk workspace", "run `newsdesk init DIR` first, or pass --workspace DIR")
    E002 = ErrorCode(
        "E002",
        "workspace is locked by another newsdesk run",
        "wait for the other run to finish; if none is running, delete the stale lock file",
    )
    E003 = ErrorCode("E003", "invalid workspace configuration", "fix the named key in newsdesk.toml")
    E004 = ErrorCode("E004", "unknown document id", "list ids with `newsdesk docs list`")

    # Ingest: one per kind of bad input
    E101 = ErrorCode("E101", "empty file", "remove the file or re-scrape the article")
    E102 = ErrorCode(
        "E102",
        "binary file, not text",
        "only .txt, .html and .jsonl articles can be ingested (each also as .gz, .bz2 or .xz)",
    )
    E103 = ErrorCode(
        "E103",
        "file exceeds the size limit",
        "raise `ingest.max_bytes` in newsdesk.toml if the file really is one article",
    )
    E104 = ErrorCode("E104", "cannot decode the bytes as text in any known encoding", "re-save the file as UTF-8")
    E105 = ErrorCode(
        "E105", "HTML page has no article text", "check that the page is an article, not an index or error page"
    )
    E106 = ErrorCode("E106", "JSONL line is not valid JSON", "fix or remove the line")
    E107 = ErrorCode(
        "E107",
        "JSONL line lacks the text field",
        "set `ingest.jsonl.text_field` in newsdesk.toml to the field that holds the article text",
    )
    E108 = ErrorCode(
        "E108", "unsupported file type", "use .txt, .html/.htm or .jsonl files (each may be .gz, .bz2 or .xz)"
    )
    E109 = ErrorCode(
        "E109",
        "text is empty after cleaning",
        "it holds only residue (share, follow and read-more lines, separators), so nothing was stored "
        "for it; re-scrape the article or leave it out",
    )
    E110 = ErrorCode("E110", "path does not exist", "check the path")
    E111 = ErrorCode("E111", "broken symbolic link: nothing at its end", "fix the link or delete it")
    E112 = ErrorCode(
        "E112",
        "symbolic link loop: the link leads back into a folder being read, so it is skipped",
        "nothing is lost: the folder's files are read once, by their other path",
    )
    E113 = ErrorCode(
        "E113",
        "article was removed from the corpus (`newsdesk docs remove`), so it is skipped",
        "to ingest it again, delete its line from store/removed.jsonl",
    )
    E114 = ErrorCode(
        "E114",
        "compressed file is damaged or cut short",
        "test it (`gzip -t`, `bzip2 -t`, `xz -t`) and fetch or compress it again",
    )

    # The local Label Studio server (annotation/studio.py raises these as StudioError subclasses,
    # whose messages carry the details: port, log lines, the variable to set).
    S000 = ErrorCode("S000", "Label Studio problem", "see the message")
    S001 = ErrorCode("S001", "installing Label Studio failed", "see the install log in the studio folder")
    S002 = ErrorCode("S002", "port already in use", "choose another with --port, or leave --port out")
    S003 = ErrorCode("S003", "Label Studio did not start", "see the last lines of studio/server.log")
    # S004-S006 are no longer raised: one failure has one code, E207 (not running, unreachable) and
    # E208 (the token refused), whichever command meets it.
    S004 = ErrorCode("S004", "Label Studio is not running", "start it with `newsdesk studio start`")
    S005 = ErrorCode("S005", "Label Studio refused the API key", "set LABEL_STUDIO_API_KEY to a valid token")
    S006 = ErrorCode("S006", "Label Studio cannot be reached", "check LABEL_STUDIO_URL, or start the local server")
    S007 = ErrorCode("S007", "a Label Studio user could not be created or logged in", "check the e-mail and password")
    S008 = ErrorCode(
        "S008",
        "Label Studio's database cannot be set up, started, backed up or restored",
        "see the message; PostgreSQL: `apt-get install postgresql` or set NEWSDESK_POSTGRES_URL",
    )

    # Annotation: schema, Label Studio, push and pull
    E201 = ErrorCode(
        "E201", "invalid label schema", "fix labels.toml in the workspace (see the default in annotation/schema.py)"
    )
    E202 = ErrorCode(
        "E202",
        "Label Studio rejected the generated labeling config",
        "check labels.toml; the server's message says which tag it refused",
    )
    E203 = ErrorCode(
        "E203", "annotated span does not match the task text", "re-open the task in Label Studio and re-draw the region"
    )
    E204 = ErrorCode(
        "E204",
        "annotation was made on another version of the text",
        "migrate it (`newsdesk annotate push` does when every span survives) or re-annotate",
    )
    E205 = ErrorCode(
        "E205",
        "the server does not hold what was pushed",
        "run `newsdesk annotate push` again: it repairs missing tasks and predictions",
    )
    E206 = ErrorCode(
        "E206",
        "document text changed and its annotations cannot be carried over",
        "re-annotate the listed documents, or restore the cleaning rules that made the old text",
    )
    E207 = ErrorCode(
        "E207",
        "cannot reach Label Studio",
        "start it with `newsdesk studio start`, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY",
    )
    E208 = ErrorCode(
        "E208",
        "Label Studio refused the API token",
        "set LABEL_STUDIO_API_KEY to a valid token of that server (Account & Settings > Access Token)",
    )
    E209 = ErrorCode("E209", "cannot read the annotation file", "check the file's format matches --format")
    E210 = ErrorCode("E210", "unknown label", "add it to labels.toml or map it with --map FOREIGN=OURS")
    E211 = ErrorCode(
        "E211",
        "invalid --map entry",
        "write entries as [label:|role:|attr:|value:]FOREIGN=OURS separated by commas; OURS must be "
        "in labels.toml (a link label for role:), or - to skip",
    )
    E212 = ErrorCode("E212", "unknown import format", "use a format `newsdesk annotate import --help` lists")
    E215 = ErrorCode(
        "E215",
        "unknown or unavailable predictor",
        "use `baseline`, `model:<name>` (`newsdesk model list`) or `spacy:<pipeline>` with a spaCy pipeline installed in this environment "
        "(e.g. `pip install <pipeline wheel>`); newsdesk never downloads models itself",
    )
    E216 = ErrorCode(
        "E216",
        "a gold record cannot be stored",
        "a value has the wrong type (say, an offset that is not a whole number): run `newsdesk validate`, "
        "fix the annotations it lists, and adjudicate again",
    )
    # Models trained from gold (`newsdesk model ...`, training/ and annotation/models/)
    E220 = ErrorCode(
        "E220",
        "not enough gold to train a model",
        "annotate and adjudicate more documents (`newsdesk adjudicate`), or import a corpus with "
        "`newsdesk annotate import` and adjudicate it",
    )
    E221 = ErrorCode("E221", "invalid model training options", "see `newsdesk model train --help`")
    E222 = ErrorCode(
        "E222",
        "the model was trained on another label schema",
        "train a model in this workspace (`newsdesk model train`), or use this one in a workspace whose "
        "labels.toml is the one it was trained with",
    )
    E223 = ErrorCode("E223", "model not found", "list models with `newsdesk model list`, or pass a model folder's path")
    E224 = ErrorCode(
        "E224", "not a model folder", "pass a folder written by `newsdesk model train` (models/NAME), or train it again"
    )
    E225 = ErrorCode(
        "E225",
        "a model of that name exists",
        "pass --force to replace it, or choose another name with --name (`newsdesk model list` shows the models)",
    )

    E240 = ErrorCode(
        "E240",
        "no annotation of that person on the document to mark as ground truth",
        "check the email with `newsdesk studio users list` and that they submitted the task; "
        "run `newsdesk annotate pull` to see who annotated what",
    )
    E241 = ErrorCode("E241", "invalid adjudication options", "see `newsdesk adjudicate --help`")

    # Validation findings (`newsdesk validate`): what is wrong with an annotation, and the fix.
    V101 = ErrorCode("V101", "table does not match its schema", "the message names the column and the check")
    V201 = ErrorCode("V201", "span lies outside the text", "re-draw the region in Label Studio")
    V202 = ErrorCode(
        "V202",
        "span text differs from the document text at its offsets",
        "`newsdesk validate --fix` repairs offsets when the text proves them; else re-draw",
    )
    V203 = ErrorCode("V203", "span is empty or only whitespace", "delete the region")
    V204 = ErrorCode("V204", "span starts or ends with whitespace", "`newsdesk validate --fix` trims it")
    V205 = ErrorCode(
        "V205",
        "spans of one layer cross or nest where the schema forbids it",
        "keep one of the two regions, or allow nesting in labels.toml",
    )
    V206 = ErrorCode(
        "V206",
        "claim has no source link and is not marked unattributed",
        "link the CLAIM to its source, or tick 'unattributed'",
    )
    V207 = ErrorCode(
        "V207",
        "source link points to a span that cannot be a source",
        "link to a SOURCE span or an entity with a label in source_labels",
    )
    V208 = ErrorCode(
        "V208",
        "cue link is wrong or the cue lies far from its claim",
        "link the CLAIM to the CUE that introduces it (cue_max_distance in labels.toml)",
    )
    V209 = ErrorCode("V209", "link or region choice refers to a region that does not exist", "re-draw the link")
    V210 = ErrorCode("V210", "the same link is drawn twice", "delete one of them")
    V211 = ErrorCode(
        "V211",
        "annotation was made on another version of the text (stale)",
        "run `newsdesk annotate migrate` to carry it to the new text (Label Studio tasks: "
        "`newsdesk annotate push`), or re-annotate the listed documents",
    )
    V212 = ErrorCode("V212", "a required claim attribute is missing", "answer it on the CLAIM region")
    V213 = ErrorCode("V213", "a value is unknown to the label schema", "fix the value, or add it to labels.toml")
    V214 = ErrorCode(
        "V214",
        "annotation refers to a document that is not in the corpus",
        "ingest the document it was made on (the records of a document taken out with `newsdesk docs remove` "
        "are left out instead, never reported)",
    )
    V301 = ErrorCode(
        "V301", "low inter-annotator agreement", "revise the guidelines for this label; re-train annotators"
    )

    # Release builds and versions
    E301 = ErrorCode("E301", "invalid release version", "use semantic versioning MAJOR.MINOR.PATCH, e.g. 0.1.0")
    E302 = ErrorCode(
        "E302", "release version exists already", "releases are immutable: build a new version (try --bump)"
    )
    E303 = ErrorCode("E303", "release version not found", "list versions with `newsdesk release list`")
    E304 = ErrorCode("E304", "validation errors block the release", "run `newsdesk validate` and fix what it lists")
    E305 = ErrorCode(
        "E305", "release folder does not match its SHA256SUMS", "rebuild it as a new version; never edit a release"
    )
    E306 = ErrorCode(
        "E306",
        "the workspace changed while the release was read",
        "build again; every command that writes holds the workspace lock, so look for one that did not",
    )
    E307 = ErrorCode(
        "E307",
        "invalid release setting",
        "fix the named key of the [release] section in newsdesk.toml (`newsdesk init` writes it "
        "commented, each key with what it takes)",
    )

    # Publishing a release to the Hugging Face Hub (`newsdesk release publish`); a missing release is
    # E303 and a release that does not match its SHA256SUMS is E305, as for `newsdesk release verify`.
    E401 = ErrorCode(
        "E401", "release manifest is missing or invalid", "rebuild the release: manifest.json must name its version"
    )
    E402 = ErrorCode(
        "E402", "release folder contains the Hub token", "revoke that token on the Hub and rebuild the release"
    )
    E403 = ErrorCode(
        "E403",
        "no Hub token: HF_TOKEN is not set and no `hf auth login` token was found",
        "log in with `hf auth login` (a write token of the Hub account or organisation; huggingface_hub "
        "keeps it under HF_HOME), or export HF_TOKEN=<that token>",
    )
    E404 = ErrorCode("E404", "invalid repository id", "write it as ORG/NAME")
    E405 = ErrorCode(
        "E405",
        "this version is already published (its tag exists on the Hub)",
        "published versions never change: build and publish a new version",
    )
    E406 = ErrorCode("E406", "cannot reach the Hub", "check the network, or --endpoint / HF_ENDPOINT")
    E407 = ErrorCode("E407", "the Hub refused the token", "use a write token with access to the repository's namespace")
    E408 = ErrorCode("E408", "the Hub rejected the request", "the detail quotes the Hub's answer")
    E409 = ErrorCode(
        "E409",
        "the release was built for another repository",
        "publish it to the repository its card names, or set `repo_id` in [release] of newsdesk.toml "
        "and build a new version",
    )

    # Running on a Dask cluster (`--engine dask`)
    E501 = ErrorCode(
        "E501", "invalid engine options", "use --engine local, or --engine dask with --scheduler ADDRESS or --workers N"
    )
    E502 = ErrorCode(
        "E502",
        "cannot start or reach the Dask cluster",
        "check the scheduler address (`dask scheduler` prints it) or leave --scheduler out for a local cluster",
    )
    E503 = ErrorCode(
        "E503",
        "a partition failed on the Dask cluster",
        "run the command again: finished partitions are kept and only the missing ones run",
    )


class NewsdeskError(Exception):
    """A user-facing error: code, where it happened, detail, and what to do."""

    def __init__(self, error: ErrorCode, where: str = "", detail: str = "", hint: str | None = None):
        self.error = error
        self.where = where
        self.detail = detail
        self.hint = error.hint if hint is None else hint
        super().__init__(self.one_line())

    def __reduce__(self):
        # Comes back whole from another process (a forked validation, a Dask worker).
        return type(self), (self.error, self.where, self.detail, self.hint)

    @property
    def code(self) -> str:
        return self.error.code

    def one_line(self) -> str:
        where = f"{self.where}: " if self.where else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"[{self.code}] {where}{self.error.title}{detail} - {self.hint}"
