using LiteDB;

namespace RecoveryAssist.Server.Storage;

/// <summary>
/// The embedded LiteDB store: one password-protected file in the data directory, opened
/// exclusively by this process. Writers go through <see cref="Write{T}"/>, one at a time, in a
/// single transaction, so an operation and its audit record land together or not at all.
/// </summary>
internal sealed class AppDatabase : IDisposable
{
    public const string FileName = "recoveryassist.db";

    private readonly Lock _writeLock = new();
    private int _writeDepth;
    private readonly LiteDatabase _store;

    public AppDatabase(string dataDirectory, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        Directory.CreateDirectory(dataDirectory);
        FilePath = Path.Combine(dataDirectory, FileName);
        var connection = new ConnectionString
        {
            Filename = FilePath,
            Password = password,
            Connection = ConnectionType.Direct,
        };
        _store = new LiteDatabase(connection, new BsonMapper { EnumAsInteger = false });
        // A clean checkpoint after every commit would slow bulk imports; LiteDB's log is replayed on open.
        _store.CheckpointSize = 10_000;
    }

    public string FilePath { get; }

    public BsonMapper Mapper => _store.Mapper;

    public ILiteCollection<T> Collection<T>(string name) => _store.GetCollection<T>(name);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction; any exception rolls back everything it wrote.
    /// A nested call joins the outer transaction, so an operation and the audit record it appends commit together.
    /// </summary>
    public T Write<T>(Func<T> work)
    {
        lock (_writeLock)
        {
            if (_writeDepth > 0)
                return Nested(work);
            _store.BeginTrans();
            try
            {
                var result = Nested(work);
                _store.Commit();
                return result;
            }
            catch
            {
                _store.Rollback();
                throw;
            }
        }
    }

    private T Nested<T>(Func<T> work)
    {
        _writeDepth++;
        try
        {
            return work();
        }
        finally
        {
            _writeDepth--;
        }
    }

    public void Write(Action work) => Write(() =>
    {
        work();
        return true;
    });

    /// <summary>True when the store answers a read (for health checks).</summary>
    public bool IsOpen()
    {
        try
        {
            _ = _store.GetCollectionNames().Any();
            return true;
        }
        catch (LiteException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Copies every collection and index into <paramref name="target"/>, passing each document
    /// through <paramref name="transform"/> (collection name, document) on the way. Used to
    /// re-encrypt the store under a new password without touching this file.
    /// </summary>
    public void CopyTo(AppDatabase target, Func<string, BsonDocument, BsonDocument> transform)
    {
        lock (_writeLock)
        {
            var names = _store.GetCollectionNames().ToList();
            target.Write(() =>
            {
                foreach (var name in names)
                {
                    var destination = target._store.GetCollection(name);
                    destination.InsertBulk(_store.GetCollection(name).FindAll().Select(d => transform(name, d)));
                }
            });
            foreach (var index in _store.GetCollection("$indexes").FindAll())
            {
                var name = index["name"].AsString;
                if (name != "_id")
                    target._store.GetCollection(index["collection"].AsString).EnsureIndex(name, index["expression"].AsString, index["unique"].AsBoolean);
            }
        }
    }

    public void Dispose() => _store.Dispose();
}
