package chat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
)

// SetAvatar makes an image the caller's avatar. Only a re-encoded square of
// at most AvatarSize pixels is kept, never the upload itself. The old avatar
// is released (the sweeper deletes it), and everyone who can see the caller
// hears of the change.
func (s *Service) SetAvatar(ctx context.Context, caller UserID, body io.Reader) (User, error) {
	if s.blobs == nil {
		return User{}, Errorf(Unavailable, "file storage is not configured")
	}
	if !s.uploads.Allow(string(caller)) {
		return User{}, Errorf(RateLimited, "uploading too fast, slow down")
	}
	// An avatar is decoded whole anyway, so it is read into memory: bounded
	// by the upload limit, and by decodeSlot from here on.
	data, err := io.ReadAll(io.LimitReader(body, s.limits.MaxUploadBytes+1))
	if err != nil {
		return User{}, readError(err)
	}
	if int64(len(data)) > s.limits.MaxUploadBytes {
		return User{}, s.tooLarge()
	}
	if len(data) == 0 {
		return User{}, Errorf(Invalid, "the file is empty")
	}
	ct := s.images.Sniff(data[:min(len(data), sniffLen)])
	if !s.images.IsImage(ct) {
		return User{}, Errorf(Invalid, "an avatar must be a PNG, JPEG, GIF or WebP image, not %s", ct)
	}
	enc, err := s.avatarImage(ctx, ct, data)
	if err != nil {
		return User{}, err
	}
	sum := sha256.Sum256(enc.Data)
	name := "avatar.jpg"
	if enc.ContentType == "image/png" {
		name = "avatar.png"
	}
	a := Attachment{
		ID: newID(), UploaderID: caller, Kind: KindAvatar, Name: name, ContentType: enc.ContentType,
		Size: int64(len(enc.Data)), SHA256: hex.EncodeToString(sum[:]), Width: enc.Width, Height: enc.Height,
		CreatedAt: TimeOf(s.nowUTC()),
	}
	if err := s.store.CreateAttachment(ctx, a); err != nil {
		return User{}, err
	}
	err = s.reserveExactly(ctx, a.ID, a.Size)
	if err == nil {
		err = s.blobs.Put(ctx, blobKey(a.ID), a.ContentType, bytes.NewReader(enc.Data))
	}
	if err == nil {
		err = s.store.CompleteAttachment(ctx, a)
	}
	var u User
	if err == nil {
		u, err = s.store.SetAvatar(ctx, caller, a.ID)
	}
	if err != nil {
		s.discard(ctx, a.ID)
		return User{}, err
	}
	s.publishProfile(ctx, u)
	return u, nil
}

// reserveExactly reserves n bytes of the uploader's storage for pending
// attachment id, or none: QuotaExceeded if they do not fit.
func (s *Service) reserveExactly(ctx context.Context, id string, n int64) error {
	got, err := s.store.ReserveStorage(ctx, id, n, s.limits.StorageQuota)
	if err != nil {
		return err
	}
	if got < n {
		return s.quotaExceeded() // the partial grant goes back with the row
	}
	return nil
}

func (s *Service) avatarImage(ctx context.Context, contentType string, data []byte) (EncodedImage, error) {
	release, err := s.decodeSlot(ctx)
	if err != nil {
		return EncodedImage{}, err
	}
	defer release()
	cfg, err := s.images.DecodeConfig(contentType, bytes.NewReader(data))
	if err != nil {
		return EncodedImage{}, Wrap(Invalid, err, "the image could not be decoded")
	}
	if err := s.checkPixels(cfg.Width, cfg.Height); err != nil {
		return EncodedImage{}, err
	}
	freeMemory, err := s.images.Reserve(ctx, contentType, data, cfg)
	if err != nil {
		return EncodedImage{}, err
	}
	defer freeMemory()
	img, err := s.images.Decode(contentType, bytes.NewReader(data))
	if err != nil {
		return EncodedImage{}, Wrap(Invalid, err, "the image could not be decoded")
	}
	enc, err := s.images.Square(img, AvatarSize, s.images.Orientation(contentType, data))
	if err != nil {
		return EncodedImage{}, Wrap(Invalid, err, "the image could not be decoded")
	}
	return enc, nil
}

// DeleteAvatar removes the caller's avatar (the sweeper deletes its file).
func (s *Service) DeleteAvatar(ctx context.Context, caller UserID) (User, error) {
	u, err := s.store.SetAvatar(ctx, caller, "")
	if err != nil {
		return User{}, err
	}
	s.publishProfile(ctx, u)
	return u, nil
}
