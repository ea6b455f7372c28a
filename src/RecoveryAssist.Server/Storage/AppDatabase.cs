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
    private readonly ConnectionString _connection;
    private readonly BsonMapper _mapper = new() { EnumAsInteger = false };
    private LiteDatabase _store;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, byte> _mappedRoots = new();
    private readonly HashSet<Type> _mappedTypes = [];

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
        _connection = connection;
        _store = OpenEngine();
    }

    private LiteDatabase OpenEngine()
    {
        var store = new LiteDatabase(_connection, _mapper);
        // A clean checkpoint after every commit would slow bulk imports; LiteDB's log is replayed on open.
        store.CheckpointSize = 10_000;
        return store;
    }

    /// <summary>
    /// Opens the file again. LiteDB shuts its engine down for good once it meets a damaged page; after the
    /// start-up check found one, a fresh engine lets the appliance serve what does not touch that page.
    /// </summary>
    public void Reopen()
    {
        lock (_writeLock)
        {
            try
            {
                _store.Dispose();
            }
            catch (Exception e) when (e is LiteException or IOException or ObjectDisposedException)
            {
                // The engine already gave up; its file handle is what matters, and disposing released it.
            }
            _store = OpenEngine();
        }
    }

    public string FilePath { get; }

    private readonly List<Action> _afterCommit = [];

    public BsonMapper Mapper => _store.Mapper;

    public ILiteCollection<T> Collection<T>(string name)
    {
        if (!_mappedRoots.ContainsKey(typeof(T)))
            MapTypeGraph(typeof(T));
        return _store.GetCollection<T>(name);
    }

    /// <summary>
    /// Builds LiteDB's entity mappers for a record type and every type reachable from its properties, on one
    /// thread. LiteDB publishes a mapper before it has filled in its members, so two threads that first meet a
    /// type (a job's steps, say) at the same moment can read a document with fields missing, or fail.
    /// </summary>
    private void MapTypeGraph(Type root)
    {
        lock (_mappedTypes)
        {
            var pending = new Stack<Type>([root]);
            while (pending.TryPop(out var type))
            {
                if (!_mappedTypes.Add(type) || IsScalar(type))
                    continue;
                if (type.IsArray)
                {
                    pending.Push(type.GetElementType()!);
                    continue;
                }
                if (type.IsGenericType)
                {
                    foreach (var argument in type.GetGenericArguments())
                        pending.Push(argument);
                    if (typeof(System.Collections.IEnumerable).IsAssignableFrom(type) || type.GetGenericTypeDefinition() == typeof(Nullable<>))
                        continue;
                }
                _store.Mapper.ToDocument(type, System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type));
                foreach (var property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
                    pending.Push(property.PropertyType);
            }
            _mappedRoots.TryAdd(root, 0);
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type.IsInterface || type.IsAbstract || type == typeof(string) || type == typeof(decimal)
        || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan)
        || type == typeof(byte[]) || typeof(BsonValue).IsAssignableFrom(type) || type == typeof(object);

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
            T result;
            try
            {
                result = Nested(work);
                _store.Commit();
            }
            catch
            {
                _afterCommit.Clear();
                _store.Rollback();
                throw;
            }
            // After the try: an action that throws must not roll back (or look like it rolled back) what is committed.
            RunAfterCommit();
            return result;
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

    /// <summary>
    /// Runs <paramref name="action"/> once the current transaction has committed (in commit order, still
    /// under the write lock), and never when it rolls back. Outside a transaction it runs at once.
    /// </summary>
    public void AfterCommit(Action action)
    {
        lock (_writeLock)
        {
            if (_writeDepth == 0)
                action();
            else
                _afterCommit.Add(action);
        }
    }

    /// <summary>Every action runs, even after one threw; the first failure is then thrown (the write itself stands).</summary>
    private void RunAfterCommit()
    {
        var actions = _afterCommit.ToArray();
        _afterCommit.Clear();
        Exception? first = null;
        foreach (var action in actions)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }
        if (first is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>
    /// Reads every document of every collection; null when all read, otherwise the first that does not.
    /// A damaged page shows here at start instead of as a 500 on the first request that meets it.
    /// </summary>
    public string? CheckReadable()
    {
        string? collection = null;
        try
        {
            foreach (var name in _store.GetCollectionNames().ToList())
            {
                collection = name;
                foreach (var document in _store.GetCollection(name).FindAll())
                    _ = document.Keys.Count;
            }
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return collection is null ? $"the store's collection list cannot be read ({e.Message})" : $"collection {collection} cannot be read ({e.Message})";
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

    /// <summary>
    /// Copies a consistent image of the store file to <paramref name="destinationFile"/> while the appliance runs:
    /// under the write lock no transaction can commit, and after a checkpoint the file holds every committed one
    /// (the log is empty). The copy is still encrypted under the store's password.
    /// </summary>
    public void SnapshotTo(string destinationFile)
    {
        lock (_writeLock)
        {
            _store.Checkpoint();
            using var source = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var destination = new FileStream(destinationFile, FileMode.CreateNew, FileAccess.Write);
            source.CopyTo(destination);
            destination.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _store.Dispose();
}
