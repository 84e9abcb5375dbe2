package chat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// Upload stores a file from a client: streamed to the blob store while its
// SHA-256 is computed and its type sniffed from the first bytes. Images get
// a thumbnail, made now. The attachment can then be sent in messages; one
// that no message uses is deleted after the grace period.
func (s *Service) Upload(ctx context.Context, caller UserID, name string, body io.Reader) (Attachment, error) {
	if s.blobs == nil {
		return Attachment{}, Errorf(Unavailable, "file storage is not configured")
	}
	if err := validateString("filename", name); err != nil {
		return Attachment{}, err
	}
	if !s.uploads.Allow(string(caller)) {
		return Attachment{}, Errorf(RateLimited, "uploading too fast, slow down")
	}
	a := Attachment{ID: newID(), UploaderID: caller, Kind: KindFile, Name: cleanFileName(name), CreatedAt: TimeOf(s.nowUTC())}
	if err := s.store.CreateAttachment(ctx, a); err != nil {
		return Attachment{}, err
	}
	if err := s.storeUpload(ctx, &a, body); err != nil {
		s.discard(ctx, a.ID)
		return Attachment{}, err
	}
	a.State = AttachmentStored
	a.FillURLs()
	return a, nil
}

func (s *Service) storeUpload(ctx context.Context, a *Attachment, body io.Reader) error {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return readError(err)
	}
	if n == 0 {
		return Errorf(Invalid, "the file is empty")
	}
	head = head[:n]
	a.ContentType = s.images.Sniff(head)
	sum := sha256.New()
	quota := &quotaReader{ctx: ctx, s: s, id: a.ID, r: io.MultiReader(bytes.NewReader(head), body)}
	in := &countingReader{r: quota, limit: s.limits.MaxUploadBytes, sum: sum}
	if err := s.blobs.Put(ctx, blobKey(a.ID), a.ContentType, in); err != nil {
		if in.over {
			return s.tooLarge()
		}
		return readError(err)
	}
	a.Size, a.SHA256 = in.n, hex.EncodeToString(sum.Sum(nil))
	if s.images.IsImage(a.ContentType) {
		if err := s.thumbnail(ctx, a); err != nil {
			return err
		}
	}
	return s.store.CompleteAttachment(ctx, *a)
}

// Reservations ahead of the bytes read grow with the file, from
// minReserve to maxReserve: a few store round trips for the largest upload,
// and at most about twice a small file's size held while it is written.
const (
	minReserve = 64 << 10
	maxReserve = 8 << 20
)

// quotaReader passes on no byte that is not reserved in the store first
// (ReserveStorage), so that uploads running at once cannot take a user past
// their quota between them: storage is reserved, then written. What an
// upload reserved beyond its size is given back when it completes, and all
// of it when it fails (its row is deleted).
type quotaReader struct {
	ctx     context.Context
	s       *Service
	id      string
	r       io.Reader
	granted int64 // reserved and not yet passed on
	passed  int64
}

func (q *quotaReader) Read(p []byte) (int, error) {
	n, err := q.r.Read(p)
	if need := int64(n) - q.granted; need > 0 {
		want := max(need, min(max(q.passed, minReserve), maxReserve))
		got, rerr := q.s.store.ReserveStorage(q.ctx, q.id, want, q.s.limits.StorageQuota)
		if rerr != nil {
			return 0, rerr
		}
		q.granted += got
		if q.granted < int64(n) {
			return 0, q.s.quotaExceeded()
		}
	}
	q.granted -= int64(n)
	q.passed += int64(n)
	return n, err
}

func (s *Service) quotaExceeded() error {
	return Errorf(QuotaExceeded, "storage quota of %s reached: delete messages with files you no longer need to free space",
		FormatBytes(s.limits.StorageQuota))
}

// FormatBytes writes a size in binary units as people read them: "812
// bytes", "25 MiB", "1.5 GiB".
func FormatBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, unit := float64(n)/1024, 0
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	for v >= 1024 && unit < len(units)-1 {
		v /= 1024
		unit++
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " " + units[unit]
}

func (s *Service) tooLarge() error {
	return Errorf(TooLarge, "files are at most %d bytes", s.limits.MaxUploadBytes)
}

// readError passes the domain errors a transport puts in the body (a body
// over its limit is TooLarge) and the store's, and calls anything else a
// broken upload.
func readError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return Wrap(Invalid, err, "the upload was cut off")
}

// countingReader fails once more than limit bytes were read, and feeds
// everything it reads to sum.
type countingReader struct {
	r     io.Reader
	limit int64
	n     int64
	over  bool
	sum   hash.Hash
}

var errOverLimit = errors.New("upload over the size limit")

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		c.over = true
		return 0, errOverLimit
	}
	c.sum.Write(p[:n])
	return n, err
}

// thumbnail decodes the stored image and stores a re-encoded thumbnail of
// it. The dimensions are checked from the header before any pixel memory is
// committed: a few kilobytes of PNG can claim to be 100,000 pixels square.
func (s *Service) thumbnail(ctx context.Context, a *Attachment) error {
	release, err := s.decodeSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	b, err := s.blobs.Open(ctx, blobKey(a.ID))
	if err != nil {
		return err
	}
	defer b.Close()
	src := &errReader{r: b}
	// DecodeConfig reads the header; what it read is replayed to Decode.
	var header bytes.Buffer
	cfg, err := s.images.DecodeConfig(a.ContentType, io.TeeReader(src, &header))
	if src.err != nil {
		return src.err
	}
	if err != nil {
		return Wrap(Invalid, err, "the image could not be decoded")
	}
	if err := s.checkPixels(cfg.Width, cfg.Height); err != nil {
		return err
	}
	freeMemory, err := s.images.Reserve(ctx, a.ContentType, header.Bytes(), cfg)
	if err != nil {
		return err
	}
	defer freeMemory()
	// The header holds a JPEG's EXIF: DecodeConfig read through it to the
	// frame. Read before Decode drains the buffer.
	o := s.images.Orientation(a.ContentType, header.Bytes())
	img, err := s.images.Decode(a.ContentType, io.MultiReader(&header, src))
	if src.err != nil {
		return src.err
	}
	if err != nil {
		return Wrap(Invalid, err, "the image could not be decoded")
	}
	th, err := s.images.Thumbnail(img, ThumbnailSize, o)
	if err != nil {
		return Wrap(Invalid, err, "the image could not be decoded")
	}
	if err := s.blobs.Put(ctx, thumbKey(a.ID), th.ContentType, bytes.NewReader(th.Data)); err != nil {
		return err
	}
	// Upright dimensions, as browsers show the original.
	a.Width, a.Height = img.Bounds().Dx(), img.Bounds().Dy()
	if quarterTurn(o) {
		a.Width, a.Height = a.Height, a.Width
	}
	a.ThumbType = th.ContentType
	return nil
}

func (s *Service) checkPixels(w, h int) error {
	if w < 1 || h < 1 {
		return Errorf(Invalid, "the image has no pixels")
	}
	if int64(w)*int64(h) > int64(s.limits.MaxImagePixels) {
		return Errorf(TooLarge, "the image is %d×%d pixels; images are at most %d pixels", w, h, s.limits.MaxImagePixels)
	}
	return nil
}

// decodeSlot bounds how many images are decoded at once: each holds its
// pixels in memory (up to 4 bytes × MaxImagePixels) and a core.
func (s *Service) decodeSlot(ctx context.Context) (release func(), err error) {
	select {
	case s.decodes <- struct{}{}:
		return func() { <-s.decodes }, nil
	case <-ctx.Done():
		return nil, Wrap(Unavailable, ctx.Err(), "server busy, try again")
	}
}

// errReader remembers a read error of the blob, so that a storage failure
// is not reported as a corrupt image.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// discard removes what a failed upload left. If the blobs cannot be
// deleted, the row stays (pending) for the sweeper to finish.
func (s *Service) discard(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.deleteBlobs(ctx, id); err != nil {
		s.log.Warn("discard upload", "attachment", id, "err", err)
		return
	}
	if err := s.store.DeleteAttachment(ctx, id); err != nil {
		s.log.Warn("discard upload", "attachment", id, "err", err)
	}
}

func (s *Service) deleteBlobs(ctx context.Context, id string) error {
	return errors.Join(s.blobs.Delete(ctx, blobKey(id)), s.blobs.Delete(ctx, thumbKey(id)))
}

// OpenAttachment returns an attachment (or its thumbnail) to download. It
// may be read by its uploader, by any signed-in user if it is an avatar, and
// otherwise only by a current member of a room where a message carrying it
// was shared. Everyone else learns nothing, not even that it exists.
func (s *Service) OpenAttachment(ctx context.Context, caller UserID, id string, thumbnail bool) (Attachment, Blob, error) {
	if s.blobs == nil {
		return Attachment{}, nil, Errorf(NotFound, "attachment not found")
	}
	a, err := s.visibleAttachment(ctx, caller, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	key := blobKey(a.ID)
	if thumbnail {
		if a.ThumbType == "" {
			return Attachment{}, nil, Errorf(NotFound, "this attachment has no thumbnail")
		}
		key = thumbKey(a.ID)
	}
	b, err := s.blobs.Open(ctx, key)
	return a, b, err
}

func (s *Service) visibleAttachment(ctx context.Context, caller UserID, id string) (Attachment, error) {
	if err := validateString("id", id); err != nil {
		return Attachment{}, err
	}
	notFound := Errorf(NotFound, "attachment not found")
	if validateAttachmentID(id) != nil {
		return Attachment{}, notFound
	}
	a, err := s.store.Attachment(ctx, id)
	if ErrorCode(err) == NotFound || err == nil && a.State != AttachmentStored {
		return Attachment{}, notFound
	}
	if err != nil {
		return Attachment{}, err
	}
	if a.UploaderID == caller || a.Kind == KindAvatar {
		return a, nil
	}
	ok, err := s.store.AttachmentSharedWith(ctx, id, caller)
	if err != nil {
		return Attachment{}, err
	}
	if !ok {
		return Attachment{}, notFound
	}
	return a, nil
}

// attachable checks the attachments of a send: at most MaxAttachments, no
// repeats, each a stored file the caller uploaded. The store checks the last
// two again in the append transaction, where a concurrent sweep cannot slip
// in between.
func (s *Service) attachable(ctx context.Context, caller UserID, ids []string) ([]Attachment, error) {
	if len(ids) > s.limits.MaxAttachments {
		return nil, Errorf(Invalid, "a message carries at most %d attachments", s.limits.MaxAttachments)
	}
	for i, id := range ids {
		if err := validateAttachmentID(id); err != nil {
			return nil, err
		}
		if slices.Contains(ids[:i], id) {
			return nil, Errorf(Invalid, "attachment %s is listed twice", id)
		}
	}
	found, err := s.store.Attachments(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Attachment, len(ids))
	for i, id := range ids {
		j := slices.IndexFunc(found, func(a Attachment) bool { return a.ID == id })
		if j < 0 || found[j].UploaderID != caller || found[j].Kind != KindFile || found[j].State != AttachmentStored {
			return nil, Errorf(Invalid, "attachment %s is not an upload of yours", id)
		}
		out[i] = found[j]
	}
	return out, nil
}

// SweepAttachments deletes attachments that nothing has referred to since
// the grace period before now: blob first, then the row, after claiming the
// row so that no send can attach it meanwhile. Several nodes may sweep at
// once: a claim is idempotent and a missing blob is not an error. It returns
// how many it deleted.
func (s *Service) SweepAttachments(ctx context.Context) (int, error) {
	if s.blobs == nil {
		return 0, nil
	}
	before := s.now().Add(-s.limits.AttachmentGrace)
	const batch = 100
	deleted := 0
	for {
		list, err := s.store.UnreferencedAttachments(ctx, before, batch)
		if err != nil {
			return deleted, err
		}
		progress := false
		for _, a := range list {
			ok, err := s.store.ClaimAttachment(ctx, a.ID, before)
			if err != nil {
				return deleted, err
			}
			if !ok {
				continue // attached or made an avatar since it was listed
			}
			if err := s.deleteBlobs(ctx, a.ID); err != nil {
				// The claim stays: the next sweep tries again.
				s.log.Warn("sweep attachment", "attachment", a.ID, "err", err)
				continue
			}
			if err := s.store.DeleteAttachment(ctx, a.ID); err != nil {
				return deleted, err
			}
			deleted++
			progress = true
		}
		if len(list) < batch || !progress {
			return deleted, nil
		}
	}
}
