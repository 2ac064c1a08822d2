package memory_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/memory"
	"github.com/tokenvault/vault/storage/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memory.New() })
}
